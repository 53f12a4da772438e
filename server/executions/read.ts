// Reads of executions and workflows for the HTTP API and the UI. Stuck is computed in SQL by
// the one stuck rule builder of server/executions/stuck.ts, so lists can filter on it.
import { pool, readPool } from "../db/client";
import type { Status } from "./status";
import { STUCK_SQL, stuckOnlySql } from "./stuck";
import { encodeCursor, type Keyset } from "../paging/cursor";
import { COUNT_CAP } from "../paging/limits";

/** The stuck reason of executions e (joined to w and o), 'scheduled' | 'running' | NULL. */
export const STUCK_REASON_SQL = STUCK_SQL.reason;
export const STUCK_SINCE_SQL = STUCK_SQL.since;

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

export type Cursor = { createdAt: string; id: string };

/** A position of the paging codec (server/paging/cursor.ts) as the list query takes it. */
export function listPosition(k: Keyset): Cursor {
  return { createdAt: k.at, id: k.id };
}


/* ---------------------------------------------------------------------------------------------
 * The one list query, shared by the REST API (full views) and the dashboard (light rows).
 *
 * Newest first, keyset on (createdAt, id). A filter on several statuses or workflows becomes one
 * branch per value, each walking its own (orgId, status|workflowId, createdAt, id) index in
 * order and stopping after a page, merged with UNION ALL: a page reads at most branches × page
 * rows from the indexes, whatever the depth of the cursor and however rare the values.
 * ------------------------------------------------------------------------------------------- */

/** The REST API's filter (GET /api/v1/executions): the contract's, plus time range, id prefix and metadata. */
export type ExecutionFilter = {
  statuses?: Status[];
  workflows?: string[];
  stuck?: boolean;
  createdFrom?: Date;
  createdTo?: Date;
  executionIdPrefix?: string;
  metadata?: Record<string, string>;
};

export type ListFilter = {
  /** statuses admitted; undefined or null: any; []: none */
  statuses?: Status[] | null;
  /** workflow keys; undefined or []: any */
  workflows?: string[];
  /** true: only stuck; false: only not stuck; undefined: either */
  stuck?: boolean;
  /** createdAt in [createdFrom, createdTo) */
  createdFrom?: Date;
  createdTo?: Date;
  /** contains: a substring of the execution id or of the workflow key (trigram index) */
  executionId?: { value: string; mode: "exact" | "prefix" | "contains" };
  /** jsonb containment: every pair must be in the execution's metadata */
  metadata?: Record<string, string> | null;
};

export type ListPage = {
  limit: number;
  cursor: Cursor | null;
  /** only executions with id ≤ snapshotId (the list's snapshot; newer arrivals are counted apart) */
  snapshotId?: string | null;
};

type Params = { values: unknown[]; add(v: unknown): string };

function params(first: unknown[]): Params {
  const values = [...first];
  return {
    values,
    add(v) {
      values.push(v);
      return `$${values.length}`;
    },
  };
}

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/** LIKE pattern for "starts with": the value's own % _ and \ are matched literally. */
export function prefixPattern(value: string): string {
  return `${escapeLike(value)}%`;
}

/** LIKE pattern for "contains", escaped the same way. */
export function containsPattern(value: string): string {
  return `%${escapeLike(value)}%`;
}

type Plan =
  | { empty: true }
  | {
      empty: false;
      where: string[];
      /** the "contains" search, apart: the page query picks how to apply it (pageIdsSql) */
      substring: string | null;
      needsJoins: boolean;
      branch: { column: "status" | "workflowId"; values: string[] } | null;
    };

async function workflowIdsFor(orgId: string, keys: string[]): Promise<string[]> {
  const { rows } = await readPool().query<{ id: string }>(`SELECT id FROM workflows WHERE "orgId" = $1 AND key = ANY($2::text[]) ORDER BY id`, [
    orgId,
    keys,
  ]);
  return rows.map((r) => r.id);
}

/**
 * column = value for one value, = ANY for several. The distinction matters: "= ANY" on an index
 * column gives up the index order of the columns after it, "=" keeps it.
 */
function inList(column: "status" | "workflowId", values: string[], p: Params): string {
  const type = column === "status" ? `"ExecutionStatus"` : "bigint";
  const col = column === "status" ? "e.status" : `e."workflowId"`;
  return values.length === 1 ? `${col} = ${p.add(values[0])}::${type}` : `${col} = ANY(${p.add(values)}::${type}[])`;
}

const STUCK_TRUE_WHERE = `(${STUCK_REASON_SQL}) IS NOT NULL`;

async function planFilter(orgId: string, filter: ListFilter, p: Params): Promise<Plan> {
  let statuses = filter.statuses ?? null;
  if (filter.stuck === true) statuses = (statuses ?? (["SCHEDULED", "RUNNING"] as Status[])).filter((s) => s === "SCHEDULED" || s === "RUNNING");
  if (statuses && statuses.length === 0) return { empty: true };
  let workflowIds: string[] | null = null;
  if (filter.workflows?.length) {
    workflowIds = await workflowIdsFor(orgId, filter.workflows);
    if (workflowIds.length === 0) return { empty: true };
  }

  const where = [`e."orgId" = $1`];
  let substring: string | null = null;
  let needsJoins = false;
  if (filter.stuck === true) {
    where.push(STUCK_TRUE_WHERE);
    needsJoins = true;
  } else if (filter.stuck === false) {
    where.push(`(${STUCK_REASON_SQL}) IS NULL`);
    needsJoins = true;
  }
  if (filter.createdFrom) where.push(`e."createdAt" >= ${p.add(filter.createdFrom)}::timestamptz`);
  if (filter.createdTo) where.push(`e."createdAt" < ${p.add(filter.createdTo)}::timestamptz`);
  if (filter.executionId) {
    const { value, mode } = filter.executionId;
    if (mode === "exact") where.push(`e."executionId" = ${p.add(value)}`);
    else if (mode === "prefix") where.push(`e."executionId" LIKE ${p.add(prefixPattern(value))}`);
    else {
      // the id through the trigram index; the workflow key among the organization's workflows
      // (a few hundred rows) resolved first, so PostgreSQL can OR two bitmap index scans
      const { rows } = await readPool().query<{ id: string }>(`SELECT id FROM workflows WHERE "orgId" = $1 AND key LIKE $2 ORDER BY id LIMIT 1000`, [orgId, containsPattern(value)]);
      const idLike = `e."executionId" LIKE ${p.add(containsPattern(value))}`;
      substring = rows.length ? `(${idLike} OR e."workflowId" = ANY(${p.add(rows.map((r) => r.id))}::bigint[]))` : idLike;
    }
  }
  if (filter.metadata && Object.keys(filter.metadata).length) where.push(`e.metadata @> ${p.add(JSON.stringify(filter.metadata))}::jsonb`);

  // An exact id finds one row through the unique index: no branches needed.
  if (filter.executionId?.mode === "exact") {
    if (statuses) where.push(inList("status", statuses, p));
    if (workflowIds) where.push(inList("workflowId", workflowIds, p));
    return { empty: false, where, substring, needsJoins, branch: null };
  }
  // Branch on the dimension with fewer values; the other one is a filter inside each branch.
  let branch: { column: "status" | "workflowId"; values: string[] } | null = null;
  if (workflowIds && (!statuses || workflowIds.length <= statuses.length)) {
    branch = { column: "workflowId", values: workflowIds };
    if (statuses) where.push(inList("status", statuses, p));
  } else if (statuses) {
    branch = { column: "status", values: statuses };
    if (workflowIds) where.push(inList("workflowId", workflowIds, p));
  }
  return { empty: false, where, substring, needsJoins, branch };
}

const JOINS = `JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
  JOIN organizations o ON o.id = e."orgId"`;

function branchCondition(branch: { column: "status" | "workflowId" }, param: string): string {
  return branch.column === "status" ? `e.status = ${param}::"ExecutionStatus"` : `e."workflowId" = ${param}::bigint`;
}

/**
 * How many executions, newest first, a "contains" search reads through (orgId, createdAt) before
 * it asks the trigram index instead. A common substring ("w1-w" in a third of the ids) fills a
 * page within a few hundred rows of that walk, where the trigram index would hand over hundreds
 * of thousands of candidates to sort; a rare one finds few in the walk and goes to the trigram
 * index, which then has few candidates. Either way no plan reads more than this plus a page.
 */
export const SEARCH_WALK_ROWS = 8_000;

/**
 * The walk of a "contains" search over the newest SEARCH_WALK_ROWS rows of one ordered sequence.
 * It streams: it stops at `limit` matches, so a common substring reads a few hundred rows. The
 * walk's last row is returned too (rn = SEARCH_WALK_ROWS), which tells that the walk ran out
 * before the page was full.
 */
function substringWalkSql(where: string[], substring: string, needsJoins: boolean, limit: number): string {
  return `SELECT e.id::text, (${substring}) AS hit, e.rn::int FROM (
      SELECT e.id, e."createdAt", e."executionId", e."workflowId", row_number() OVER (ORDER BY e."createdAt" DESC, e.id DESC) AS rn
        FROM executions e ${needsJoins ? JOINS : ""}
       WHERE ${where.join(" AND ")}
       ORDER BY e."createdAt" DESC, e.id DESC LIMIT ${SEARCH_WALK_ROWS}) e
    WHERE ${substring} OR e.rn = ${SEARCH_WALK_ROWS}
    ORDER BY e."createdAt" DESC, e.id DESC LIMIT ${limit}`;
}

/**
 * The ids of a "contains" page when walking (orgId, createdAt) finds them: a full page among the
 * walked rows (nothing older can come before them), or a walk that reached the end of the rows.
 * Null when the walk ran out first: the trigram index answers. Only for one ordered sequence (no
 * filter split into branches).
 */
async function walkForSubstring(plan: Extract<Plan, { empty: false }>, where: string[], limit: number, p: Params): Promise<string[] | null> {
  if (!plan.substring || (plan.branch && plan.branch.values.length > 1)) return null;
  const wp = params(p.values); // a copy: the walk's own parameters stay out of the page query
  const seq = plan.branch ? [...where, branchCondition(plan.branch, wp.add(plan.branch.values[0]))] : where;
  const { rows } = await readPool().query<{ id: string; hit: boolean; rn: number }>(substringWalkSql(seq, plan.substring, plan.needsJoins, limit), wp.values);
  const hits = rows.filter((r) => r.hit).map((r) => r.id);
  const ranOut = rows.some((r) => r.rn === SEARCH_WALK_ROWS);
  return hits.length >= limit || !ranOut ? hits : null;
}

/** SQL of the ids of one page (id, createdAt), newest first; null when nothing can match. */
async function pageIdsSql(orgId: string, filter: ListFilter, page: ListPage, p: Params, opts: { walk?: boolean } = {}): Promise<string | null> {
  const plan = await planFilter(orgId, filter, p);
  if (plan.empty) return null;
  const where = [...plan.where];
  if (page.cursor) where.push(`(e."createdAt", e.id) < (${p.add(page.cursor.createdAt)}::timestamptz, ${p.add(page.cursor.id)}::bigint)`);
  if (page.snapshotId) where.push(`e.id <= ${p.add(page.snapshotId)}::bigint`);
  if (opts.walk !== false) {
    const walked = await walkForSubstring(plan, where, page.limit + 1, p);
    // the found ids through the primary key; the page's conditions are restated (true of every
    // one of them) so the query uses each parameter the plan added
    if (walked) return `SELECT e.id, e."createdAt" FROM executions e ${plan.needsJoins ? JOINS : ""} WHERE ${[...where, plan.substring!, `e.id = ANY(${p.add(walked)}::bigint[])`].join(" AND ")}`;
  }
  if (plan.substring && !(plan.branch && plan.branch.values.length > 1)) {
    // The walk found the term rare among the newest rows: fetch its matches through the trigram
    // index and sort those. The fence (MATERIALIZED) keeps the planner from walking createdAt
    // order with the term as a filter, unbounded: its estimate for a LIKE is often far too high,
    // and the matches of a rare term may all be old (reading most of the organization).
    if (plan.branch) where.push(branchCondition(plan.branch, p.add(plan.branch.values[0])));
    return `WITH m AS MATERIALIZED (SELECT e.id, e."createdAt" FROM executions e ${plan.needsJoins ? JOINS : ""} WHERE ${[...where, plan.substring].join(" AND ")})
      SELECT m.id, m."createdAt" FROM m ORDER BY m."createdAt" DESC, m.id DESC LIMIT ${p.add(page.limit + 1)}`;
  }
  if (plan.substring) where.push(plan.substring);
  const limit = p.add(page.limit + 1);
  const one = (extra: string | null) =>
    `SELECT e.id, e."createdAt" FROM executions e ${plan.needsJoins ? JOINS : ""}
     WHERE ${[...where, ...(extra ? [extra] : [])].join(" AND ")}
     ORDER BY e."createdAt" DESC, e.id DESC LIMIT ${limit}`;
  if (!plan.branch || plan.branch.values.length === 1) {
    return one(plan.branch ? branchCondition(plan.branch, p.add(plan.branch.values[0])) : null);
  }
  const branch = plan.branch;
  const parts = branch.values.map((v) => `(${one(branchCondition(branch, p.add(v)))})`);
  return `SELECT u.id, u."createdAt" FROM (${parts.join("\nUNION ALL\n")}) u ORDER BY u."createdAt" DESC, u.id DESC LIMIT ${limit}`;
}

/** The walk a "contains" search starts with (SEARCH_WALK_ROWS), for EXPLAIN in tests; null without one. */
export async function explainableSubstringWalk(orgId: string, filter: ListFilter, page: ListPage): Promise<{ sql: string; values: unknown[] } | null> {
  const p = params([orgId]);
  const plan = await planFilter(orgId, filter, p);
  if (plan.empty || !plan.substring || (plan.branch && plan.branch.values.length > 1)) return null;
  const where = [...plan.where];
  if (page.cursor) where.push(`(e."createdAt", e.id) < (${p.add(page.cursor.createdAt)}::timestamptz, ${p.add(page.cursor.id)}::bigint)`);
  if (plan.branch) where.push(branchCondition(plan.branch, p.add(plan.branch.values[0])));
  return { sql: substringWalkSql(where, plan.substring, plan.needsJoins, page.limit + 1), values: p.values };
}

/**
 * One page of executions with the given columns (expressions over e, w, o), newest first.
 * Returns up to limit + 1 rows; the extra row only tells that there is a next page.
 */
export async function selectExecutionPage<Row extends { id: string; createdAt: Date }>(
  orgId: string,
  filter: ListFilter,
  page: ListPage,
  columns: string,
): Promise<Row[]> {
  const p = params([orgId]);
  const ids = await pageIdsSql(orgId, filter, page, p);
  if (!ids) return [];
  const { rows } = await readPool().query<Row>(
    `SELECT ${columns} FROM (${ids}) p
     JOIN executions e ON e."orgId" = $1 AND e.id = p.id
     ${JOINS}
     ORDER BY p."createdAt" DESC, p.id DESC`,
    p.values,
  );
  return rows;
}

/** The SQL and parameters of a page query, for EXPLAIN in tests and benchmarks. */
export async function explainableListQuery(orgId: string, filter: ListFilter, page: ListPage): Promise<{ sql: string; values: unknown[] } | null> {
  const p = params([orgId]);
  // a "contains" search as the trigram index answers it after its walk ran out
  // (the walk: explainableSubstringWalk)
  const ids = await pageIdsSql(orgId, filter, page, p, { walk: false });
  if (!ids) return null;
  return {
    sql: `SELECT e.id FROM (${ids}) p JOIN executions e ON e."orgId" = $1 AND e.id = p.id ${JOINS} ORDER BY p."createdAt" DESC, p.id DESC`,
    values: p.values,
  };
}


/**
 * A count that reads at most cap + 1 index entries per branch. The ORDER BY matches the list's
 * indexes, which keeps the planner on an (index-only) scan of this organization's entries
 * rather than a sequential scan that stops after cap + 1 matches: that looks cheap when one
 * organization is most of the table, and reads millions of rows when it is not.
 */
async function countSql(orgId: string, filter: ListFilter, extraWhere: (p: Params) => string[], cap: number, p: Params): Promise<string | null> {
  const plan = await planFilter(orgId, filter, p);
  if (plan.empty) return null;
  const where = [...plan.where, ...(plan.substring ? [plan.substring] : []), ...extraWhere(p)];
  // A stuck-only branch of one status counts over the org-leading partial index of that status,
  // with the rule in a form that needs no joins (stuckOnlySql), in any order: only the count matters.
  const one = (extra: string | null, status?: string) => {
    if (filter.stuck === true && (status === "SCHEDULED" || status === "RUNNING")) {
      const rest = where.filter((w) => w !== STUCK_TRUE_WHERE);
      return `SELECT count(*) AS n FROM (SELECT 1 FROM executions e
       WHERE ${[...rest, ...(extra ? [extra] : []), stuckOnlySql(status, "$1")].join(" AND ")} LIMIT ${cap + 1}) t`;
    }
    return `SELECT count(*) AS n FROM (SELECT 1 FROM executions e ${plan.needsJoins ? JOINS : ""}
       WHERE ${[...where, ...(extra ? [extra] : [])].join(" AND ")}
       ORDER BY e."createdAt" DESC, e.id DESC LIMIT ${cap + 1}) t`;
  };
  if (!plan.branch) return `SELECT (${one(null)})::int AS n`;
  const branch = plan.branch;
  const parts = branch.values.map((v) => `(${one(branchCondition(branch, p.add(v)), branch.column === "status" ? v : undefined)})`);
  return `SELECT LEAST(sum(n), ${cap + 1})::int AS n FROM (${parts.join("\nUNION ALL\n")}) b`;
}

/** Matching executions counted exactly up to `cap`; `capped` means "more than cap". */
export async function countExecutionsCapped(
  orgId: string,
  filter: ListFilter,
  opts: { cap?: number; afterId?: string | null } = {},
): Promise<{ count: number; capped: boolean }> {
  const cap = opts.cap ?? COUNT_CAP;
  const p = params([orgId]);
  const sql = await countSql(orgId, filter, (pp) => (opts.afterId ? [`e.id > ${pp.add(opts.afterId)}::bigint`] : []), cap, p);
  if (!sql) return { count: 0, capped: false };
  const { rows } = await readPool().query<{ n: number }>(sql, p.values);
  const n = rows[0]!.n;
  return n > cap ? { count: cap, capped: true } : { count: n, capped: false };
}

/** The SQL of a capped count, for EXPLAIN. */
export async function explainableCountQuery(orgId: string, filter: ListFilter, cap = COUNT_CAP): Promise<{ sql: string; values: unknown[] } | null> {
  const p = params([orgId]);
  const sql = await countSql(orgId, filter, () => [], cap, p);
  return sql ? { sql, values: p.values } : null;
}

/** The newest execution id of an organization: the high-water mark of a list snapshot. */
export async function latestExecutionId(orgId: string): Promise<string | null> {
  const { rows } = await pool().query<{ id: string | null }>(`SELECT max(id)::text AS id FROM executions WHERE "orgId" = $1`, [orgId]);
  return rows[0]?.id ?? null;
}

export type ExecutionPage = { items: ExecutionView[]; nextCursor: string | null };

/** GET /api/v1/executions: full views, newest first, keyset-paginated. */
export async function listExecutions(orgId: string, filter: ExecutionFilter, page: { limit: number; cursor: Cursor | null }): Promise<ExecutionPage> {
  const rows = await selectExecutionPage<ViewRow>(
    orgId,
    {
      statuses: filter.statuses?.length ? filter.statuses : null,
      workflows: filter.workflows,
      stuck: filter.stuck,
      createdFrom: filter.createdFrom,
      createdTo: filter.createdTo,
      executionId: filter.executionIdPrefix ? { value: filter.executionIdPrefix, mode: "prefix" } : undefined,
      metadata: filter.metadata,
    },
    { limit: page.limit, cursor: page.cursor },
    VIEW_COLUMNS,
  );
  const more = rows.length > page.limit;
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return {
    items: items.map(toView),
    nextCursor: more && last ? encodeCursor({ at: last.createdAt.toISOString(), id: last.id }) : null,
  };
}
