// Exact counts of the list's executions (created in the range) by status, for every filter but
// the id and metadata searches. Terminal executions come from the aggregates: the running totals
// when there is no range and no workflow, else the created-at rollup over whole days and hours,
// with the ragged edges (under an hour each) counted from executions by index. Active ones come
// from the active-executions partial index, with the stuck rule. The cost depends on days,
// hours × workflows and the size of the active set, never on history.
import { readPool } from "../db/client";
import { STUCK_REASON_SQL } from "../executions/read";
import { ACTIVE_STATUSES, STATUSES, TERMINAL_STATUSES, type Status } from "../executions/status";
import { splitRange } from "./aligned-range";
import type { ExecutionFilter } from "../executions/filters";

export { canCountExactly } from "../executions/filters";

export type ExactCounts = {
  /** executions per current status (with the stuck filter: the stuck ones) */
  by: Record<Status, number>;
  total: number;
  /** of those, how many are stuck now */
  stuck: number;
};

const ACTIVE_SQL = ACTIVE_STATUSES.map((s) => `'${s}'`).join(", ");

export async function exactCounts(orgId: string, f: ExecutionFilter): Promise<ExactCounts> {
  const by = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  const out: ExactCounts = { by, total: 0, stuck: 0 };
  const admitted = f.statuses ?? [...STATUSES];
  const active = admitted.filter((s) => (ACTIVE_STATUSES as readonly Status[]).includes(s));
  const terminal = f.stuck ? [] : admitted.filter((s) => (TERMINAL_STATUSES as readonly Status[]).includes(s));
  const workflowIds = await workflowIdsOf(orgId, f.workflows ?? []);
  if (workflowIds?.length === 0) return out;
  const [terminalRows, activeRows] = await Promise.all([
    terminal.length ? countTerminal(orgId, terminal, workflowIds, f.createdFrom, f.createdTo) : [],
    active.length ? countActive(orgId, active, workflowIds, f) : [],
  ]);
  for (const r of terminalRows) by[r.status] += Number(r.n);
  for (const r of activeRows) {
    by[r.status] += Number(f.stuck ? r.stuck : r.n);
    out.stuck += Number(r.stuck);
  }
  out.total = STATUSES.reduce((sum, s) => sum + by[s], 0);
  return out;
}

/** The ids of the named workflows (null: no workflow filter; []: none of them exists). */
async function workflowIdsOf(orgId: string, keys: string[]): Promise<string[] | null> {
  if (!keys.length) return null;
  const { rows } = await readPool().query<{ id: string }>(`SELECT id FROM workflows WHERE "orgId" = $1 AND key = ANY($2::text[])`, [orgId, keys]);
  return rows.map((r) => r.id);
}

type StatusRow = { status: Status; n: string };

type Query = { sql: string; values: unknown[] };

async function countTerminal(orgId: string, statuses: Status[], workflowIds: string[] | null, from: Date | undefined, to: Date | undefined): Promise<StatusRow[]> {
  const q = terminalCountQuery(orgId, statuses, workflowIds, from, to);
  return q ? (await readPool().query<StatusRow>(q.sql, q.values)).rows : [];
}

function terminalCountQuery(orgId: string, statuses: Status[], workflowIds: string[] | null, from: Date | undefined, to: Date | undefined): Query | null {
  const values: unknown[] = [orgId, statuses];
  const p = (v: unknown) => (values.push(v), `$${values.length}`);
  if (!workflowIds && !from && !to) {
    return {
      sql: `SELECT status, sum(count)::bigint AS n FROM org_execution_totals WHERE "orgId" = $1 AND status = ANY($2::"ExecutionStatus"[]) GROUP BY status`,
      values,
    };
  }
  const wf = workflowIds ? `AND "workflowId" = ANY(${p(workflowIds)}::bigint[])` : "";
  const pieces = splitRange(from?.getTime() ?? null, to?.getTime() ?? null);
  const at = (ms: number) => `${p(new Date(ms))}::timestamptz`;
  const rollup = (grainHours: 1 | 24, a: number | null, b: number | null) =>
    `SELECT status, count::bigint AS n FROM execution_created_rollup
      WHERE "orgId" = $1 AND "grainHours" = ${grainHours} ${a === null ? "" : `AND bucket >= ${at(a)}`} ${b === null ? "" : `AND bucket < ${at(b)}`}
        AND status = ANY($2::"ExecutionStatus"[]) ${wf}`;
  const parts: string[] = [];
  if (pieces.days) parts.push(rollup(24, pieces.days.from, pieces.days.to));
  for (const h of pieces.hours) parts.push(rollup(1, h.from, h.to));
  for (const r of pieces.ragged) {
    parts.push(`SELECT status, count(*)::bigint AS n FROM executions
      WHERE "orgId" = $1 AND status = ANY($2::"ExecutionStatus"[]) AND "createdAt" >= ${at(r.from)} AND "createdAt" < ${at(r.to)} ${wf}
      GROUP BY status`);
  }
  if (!parts.length) return null;
  return { sql: `SELECT status, sum(n)::bigint AS n FROM (${parts.join("\nUNION ALL\n")}) t GROUP BY status`, values };
}

async function countActive(orgId: string, statuses: Status[], workflowIds: string[] | null, f: ExecutionFilter): Promise<(StatusRow & { stuck: string })[]> {
  const q = activeCountQuery(orgId, statuses, workflowIds, f);
  return (await readPool().query<StatusRow & { stuck: string }>(q.sql, q.values)).rows;
}

function activeCountQuery(orgId: string, statuses: Status[], workflowIds: string[] | null, f: ExecutionFilter): Query {
  const values: unknown[] = [orgId, statuses];
  const p = (v: unknown) => (values.push(v), `$${values.length}`);
  const where = [
    `e."orgId" = $1`,
    // spelled out so the planner matches the active-executions partial index
    `e.status IN (${ACTIVE_SQL})`,
    `e.status = ANY($2::"ExecutionStatus"[])`,
    ...(f.createdFrom ? [`e."createdAt" >= ${p(f.createdFrom)}::timestamptz`] : []),
    ...(f.createdTo ? [`e."createdAt" < ${p(f.createdTo)}::timestamptz`] : []),
    ...(workflowIds ? [`e."workflowId" = ANY(${p(workflowIds)}::bigint[])`] : []),
  ];
  return {
    sql: `SELECT e.status, count(*)::bigint AS n, count(*) FILTER (WHERE (${STUCK_REASON_SQL}) IS NOT NULL)::bigint AS stuck
       FROM executions e
       JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
       JOIN organizations o ON o.id = e."orgId"
      WHERE ${where.join(" AND ")}
      GROUP BY e.status`,
    values,
  };
}

/** The SQL of an exact count's queries (terminal part, active part), for EXPLAIN in tests. */
export async function explainableExactCountQueries(orgId: string, f: ExecutionFilter): Promise<{ terminal: Query | null; active: Query }> {
  const workflowIds = await workflowIdsOf(orgId, f.workflows ?? []);
  const admitted = f.statuses ?? [...STATUSES];
  return {
    terminal: f.stuck ? null : terminalCountQuery(orgId, admitted.filter((s) => (TERMINAL_STATUSES as readonly Status[]).includes(s)), workflowIds, f.createdFrom, f.createdTo),
    active: activeCountQuery(orgId, admitted.filter((s) => (ACTIVE_STATUSES as readonly Status[]).includes(s)), workflowIds, f),
  };
}
