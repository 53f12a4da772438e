// Calls the real /api/v1 route handlers in-process with real Requests, against real PostgreSQL.
import { getExecutionRoute, listEventsRoute, listExecutionsRoute, putStatusRoute } from "../../server/http/v1/executions";
import { postEvents } from "../../server/http/v1/events";
import { getWorkflowRoute, patchWorkflowRoute, putWorkflowRoute } from "../../server/http/v1/workflows";
import { pool } from "../../server/db/client";

type Json = Record<string, unknown>;
export type ApiAnswer<T = Json> = { status: number; body: T; headers: Headers };

async function send<P>(
  handler: (req: Request, ctx?: { params: Promise<P> }) => Promise<Response>,
  method: string,
  path: string,
  opts: { key?: string | null; body?: unknown; rawBody?: string; params?: P; headers?: Record<string, string> },
): Promise<ApiAnswer<any>> { // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers are checked field by field in tests
  const headers: Record<string, string> = { "content-type": "application/json", ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const req = new Request(`http://runwatch.test${path}`, { method, headers, body });
  const res = await handler(req, opts.params ? { params: Promise.resolve(opts.params) } : undefined);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

export const api = {
  postEvents: (key: string | null, body: unknown, rawBody?: string) => send(postEvents, "POST", "/api/v1/events", { key, body, rawBody }),
  getExecution: (key: string, executionId: string) =>
    send(getExecutionRoute, "GET", `/api/v1/executions/${encodeURIComponent(executionId)}`, { key, params: { executionId } }),
  putStatus: (key: string, executionId: string, body: unknown) =>
    send(putStatusRoute, "PUT", `/api/v1/executions/${encodeURIComponent(executionId)}/status`, { key, body, params: { executionId } }),
  events: (key: string, executionId: string, query = "") =>
    send(listEventsRoute, "GET", `/api/v1/executions/${encodeURIComponent(executionId)}/events${query ? `?${query}` : ""}`, { key, params: { executionId } }),
  list: (key: string, query = "") => send(listExecutionsRoute, "GET", `/api/v1/executions${query ? `?${query}` : ""}`, { key }),
  getWorkflow: (key: string, wf: string) => send(getWorkflowRoute, "GET", `/api/v1/workflows/${wf}`, { key, params: { key: wf } }),
  patchWorkflow: (key: string, wf: string, body: unknown) => send(patchWorkflowRoute, "PATCH", `/api/v1/workflows/${wf}`, { key, body, params: { key: wf } }),
  putWorkflow: (key: string, wf: string, body: unknown) => send(putWorkflowRoute, "PUT", `/api/v1/workflows/${wf}`, { key, body, params: { key: wf } }),
};

/** Counters as a recount from the executions would give them, beside the stored ones. */
export async function countersAndRecount(orgId: string) {
  const { rows } = await pool().query(
    `SELECT w.key, w."executionCount", w."successCount", w."failureCount", w."cancelledCount",
       (SELECT count(*)::int FROM executions e WHERE e."orgId" = w."orgId" AND e."workflowId" = w.id) AS "recountExecutions",
       (SELECT count(*)::int FROM executions e WHERE e."orgId" = w."orgId" AND e."workflowId" = w.id AND e.status = 'COMPLETED') AS "recountSuccess",
       (SELECT count(*)::int FROM executions e WHERE e."orgId" = w."orgId" AND e."workflowId" = w.id AND e.status IN ('FAILED', 'TIMED_OUT')) AS "recountFailure",
       (SELECT count(*)::int FROM executions e WHERE e."orgId" = w."orgId" AND e."workflowId" = w.id AND e.status = 'CANCELLED') AS "recountCancelled"
     FROM workflows w WHERE w."orgId" = $1 ORDER BY w.key`,
    [orgId],
  );
  return rows as Array<{
    key: string;
    executionCount: number;
    successCount: number;
    failureCount: number;
    cancelledCount: number;
    recountExecutions: number;
    recountSuccess: number;
    recountFailure: number;
    recountCancelled: number;
  }>;
}

export function expectCountersMatchRecount(rows: Awaited<ReturnType<typeof countersAndRecount>>) {
  for (const r of rows) {
    if (
      r.executionCount !== r.recountExecutions ||
      r.successCount !== r.recountSuccess ||
      r.failureCount !== r.recountFailure ||
      r.cancelledCount !== r.recountCancelled
    ) {
      throw new Error(`counters of ${r.key} differ from a recount: ${JSON.stringify(r)}`);
    }
  }
}

export async function executionRow(orgId: string, executionId: string) {
  const { rows } = await pool().query(`SELECT * FROM executions WHERE "orgId" = $1 AND "executionId" = $2`, [orgId, executionId]);
  return rows[0];
}

export async function tableCounts(orgId: string) {
  const { rows } = await pool().query(
    `SELECT (SELECT count(*)::int FROM executions WHERE "orgId" = $1) AS executions,
            (SELECT count(*)::int FROM execution_events WHERE "orgId" = $1) AS events,
            (SELECT count(*)::int FROM processed_events WHERE "orgId" = $1) AS processed,
            (SELECT count(*)::int FROM workflows WHERE "orgId" = $1) AS workflows`,
    [orgId],
  );
  return rows[0] as { executions: number; events: number; processed: number; workflows: number };
}
