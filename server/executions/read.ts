// Reads of executions and workflows for the HTTP API and the UI. Stuck is computed in SQL
// with the same rule as server/executions/stuck.ts, so lists can filter on it.
import { pool } from "../db/client";
import type { Status } from "./status";

export const STUCK_REASON_SQL = `CASE
  WHEN e.status = 'SCHEDULED' AND e."statusChangedAt" < now() - make_interval(secs => COALESCE(w."stuckScheduledAfterSeconds", o."stuckScheduledAfterSeconds")) THEN 'scheduled'
  WHEN e.status = 'RUNNING' AND GREATEST(e."startedAt", e."lastHeartbeatAt", e."lastEventAt") < now() - make_interval(secs => COALESCE(w."stuckRunningAfterSeconds", o."stuckRunningAfterSeconds")) THEN 'running'
END`;

const STUCK_SINCE_SQL = `CASE e.status WHEN 'SCHEDULED' THEN e."statusChangedAt" WHEN 'RUNNING' THEN GREATEST(e."startedAt", e."lastHeartbeatAt", e."lastEventAt") END`;

// The newest link of a ContinueAsNew chain, followed at read time (bounded, in case of a cycle).
const CURRENT_EXECUTION_SQL = `COALESCE((
  WITH RECURSIVE chain(id, depth) AS (
    SELECT e."continuedAsNewToId", 1 WHERE e."continuedAsNewToId" IS NOT NULL
    UNION ALL
    SELECT n."continuedAsNewToId", c.depth + 1 FROM chain c
      JOIN executions n ON n."orgId" = e."orgId" AND n."executionId" = c.id
    WHERE n."continuedAsNewToId" IS NOT NULL AND c.depth < 1000
  ) SELECT id FROM chain ORDER BY depth DESC LIMIT 1), e."executionId")`;

const VIEW_COLUMNS = `e.id, e."executionId", w.key AS workflow, e.status, e.attempt, e."createdAt", e."scheduledAt", e."startedAt",
  e."lastHeartbeatAt", e."completedAt", e."durationMs", e.error, e."continuedFromId", e."continuedAsNewToId",
  e."parentExecutionId", e.metadata, e."updatedAt", e."statusChangedAt",
  ${STUCK_REASON_SQL} AS "stuckReason", ${STUCK_SINCE_SQL} AS "stuckSinceRaw", ${CURRENT_EXECUTION_SQL} AS "currentExecutionId"`;

const FROM_EXECUTIONS = `FROM executions e
  JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
  JOIN organizations o ON o.id = e."orgId"`;

type ViewRow = {
  id: string;
  executionId: string;
  workflow: string;
  status: Status;
  attempt: number;
  createdAt: Date;
  scheduledAt: Date | null;
  startedAt: Date | null;
  lastHeartbeatAt: Date | null;
  completedAt: Date | null;
  durationMs: string | null;
  error: unknown;
  continuedFromId: string | null;
  continuedAsNewToId: string | null;
  parentExecutionId: string | null;
  metadata: Record<string, string> | null;
  updatedAt: Date;
  statusChangedAt: Date;
  stuckReason: "scheduled" | "running" | null;
  stuckSinceRaw: Date | null;
  currentExecutionId: string;
  input?: unknown;
  output?: unknown;
};

export type ExecutionView = {
  executionId: string;
  workflow: string;
  status: Status;
  attempt: number;
  createdAt: string;
  scheduledAt: string | null;
  startedAt: string | null;
  lastHeartbeatAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  error: unknown;
  stuck: boolean;
  stuckReason: "scheduled" | "running" | null;
  stuckSince: string | null;
  continuedFrom: string | null;
  continuedAsNewTo: string | null;
  currentExecutionId: string;
  parentExecutionId: string | null;
  metadata: Record<string, string> | null;
  updatedAt: string;
  input?: unknown;
  output?: unknown;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toView(r: ViewRow): ExecutionView {
  const view: ExecutionView = {
    executionId: r.executionId,
    workflow: r.workflow,
    status: r.status,
    attempt: r.attempt,
    createdAt: r.createdAt.toISOString(),
    scheduledAt: iso(r.scheduledAt),
    startedAt: iso(r.startedAt),
    lastHeartbeatAt: iso(r.lastHeartbeatAt),
    completedAt: iso(r.completedAt),
    durationMs: r.durationMs === null ? null : Number(r.durationMs),
    error: r.error ?? null,
    stuck: r.stuckReason !== null,
    stuckReason: r.stuckReason,
    stuckSince: r.stuckReason ? iso(r.stuckSinceRaw) : null,
    continuedFrom: r.continuedFromId,
    continuedAsNewTo: r.continuedAsNewToId,
    currentExecutionId: r.currentExecutionId,
    parentExecutionId: r.parentExecutionId,
    metadata: r.metadata,
    updatedAt: r.updatedAt.toISOString(),
  };
  if ("input" in r) view.input = r.input ?? null;
  if ("output" in r) view.output = r.output ?? null;
  return view;
}

/** One execution with its input and output, or null (unknown here, or another organization's). */
export async function getExecution(orgId: string, executionId: string): Promise<ExecutionView | null> {
  const { rows } = await pool().query<ViewRow>(
    `SELECT ${VIEW_COLUMNS}, e.input, e.output ${FROM_EXECUTIONS} WHERE e."orgId" = $1 AND e."executionId" = $2`,
    [orgId, executionId],
  );
  return rows[0] ? toView(rows[0]) : null;
}

export type ExecutionFilter = {
  statuses?: Status[];
  workflows?: string[];
  stuck?: boolean;
};

export type Cursor = { createdAt: string; id: string };

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.id])).toString("base64url");
}

export function decodeCursor(raw: string): Cursor | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (!Array.isArray(v) || v.length !== 2) return null;
    const [createdAt, id] = v;
    if (typeof createdAt !== "string" || Number.isNaN(Date.parse(createdAt)) || typeof id !== "string" || !/^\d{1,19}$/.test(id)) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
}

export type ExecutionPage = { items: ExecutionView[]; nextCursor: string | null };

/** Newest first, keyset-paginated on (createdAt, id) so pages never skip or repeat a row. */
export async function listExecutions(orgId: string, filter: ExecutionFilter, page: { limit: number; cursor: Cursor | null }): Promise<ExecutionPage> {
  const where = [`e."orgId" = $1`];
  const params: unknown[] = [orgId];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (filter.statuses?.length) where.push(`e.status = ANY(${param(filter.statuses)}::"ExecutionStatus"[])`);
  if (filter.workflows?.length) where.push(`w.key = ANY(${param(filter.workflows)}::text[])`);
  if (filter.stuck === true) where.push(`e.status IN ('SCHEDULED', 'RUNNING') AND (${STUCK_REASON_SQL}) IS NOT NULL`);
  if (filter.stuck === false) where.push(`(${STUCK_REASON_SQL}) IS NULL`);
  if (page.cursor) where.push(`(e."createdAt", e.id) < (${param(page.cursor.createdAt)}::timestamptz, ${param(page.cursor.id)}::bigint)`);
  const { rows } = await pool().query<ViewRow>(
    `SELECT ${VIEW_COLUMNS} ${FROM_EXECUTIONS} WHERE ${where.join(" AND ")}
     ORDER BY e."createdAt" DESC, e.id DESC LIMIT ${param(page.limit + 1)}`,
    params,
  );
  const more = rows.length > page.limit;
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return {
    items: items.map(toView),
    nextCursor: more && last ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id }) : null,
  };
}
