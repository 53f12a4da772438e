// The SQL of the one list query and its capped count, composed from a filter. Pure: the
// lookups it needs (workflow ids, workflow keys matching a search, the substring walk's hits)
// are run by ./queries.ts, the only module that runs what this one builds (others import its
// types and constants only).
//
// Newest first, keyset on (createdAt, id). A filter on several statuses or workflows becomes one
// branch per value, each walking its own (orgId, status|workflowId, createdAt, id) index in
// order and stopping after a page, merged with UNION ALL: a page reads at most branches × page
// rows from the indexes, whatever the depth of the cursor and however rare the values.
import type { SqlText } from "../db/sql";
import type { ExecutionFilter } from "./filters";
import type { Status } from "./status";
import { STUCK_REASON_SQL, stuckOnlySql } from "./stuck";

/** A list position: the (createdAt, id) of the last row shown. */
export type Cursor = { createdAt: string; id: string };

export type ListPage = {
  limit: number;
  cursor: Cursor | null;
  /** only executions with id ≤ snapshotId (the list's snapshot; newer arrivals are counted apart) */
  snapshotId?: string | null;
};

export type Params = { values: unknown[]; add(v: unknown): string };

export function params(first: unknown[]): Params {
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

type Branch = { column: "status" | "workflowId"; values: string[] };

export type Plan =
  | { empty: true }
  | {
      empty: false;
      where: string[];
      /** the "contains" search, apart: the page query picks how to apply it (pageIdsSql) */
      substring: string | null;
      needsJoins: boolean;
      branch: Branch | null;
    };

/** The statuses a filter admits (stuck narrows them to SCHEDULED and RUNNING); null: any. */
export function admittedStatuses(filter: ExecutionFilter): Status[] | null {
  const statuses = filter.statuses ?? null;
  if (filter.stuck !== true) return statuses;
  return (statuses ?? (["SCHEDULED", "RUNNING"] as Status[])).filter((s) => s === "SCHEDULED" || s === "RUNNING");
}

/** What planFilter needs looked up: the filter's workflow ids and the workflows whose key contains the search. */
export type PlanLookups = { workflowIds: string[] | null; keyMatchIds: string[] };

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

/** The filter as WHERE conditions and branches; `statuses` is admittedStatuses(filter), non-empty or null. */
export function planFilter(filter: ExecutionFilter, statuses: Status[] | null, lookups: PlanLookups, p: Params): Plan {
  const { workflowIds } = lookups;
  if (workflowIds && workflowIds.length === 0) return { empty: true };
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
      const idLike = `e."executionId" LIKE ${p.add(containsPattern(value))}`;
      substring = lookups.keyMatchIds.length ? `(${idLike} OR e."workflowId" = ANY(${p.add(lookups.keyMatchIds)}::bigint[]))` : idLike;
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
  let branch: Branch | null = null;
  if (workflowIds && (!statuses || workflowIds.length <= statuses.length)) {
    branch = { column: "workflowId", values: workflowIds };
    if (statuses) where.push(inList("status", statuses, p));
  } else if (statuses) {
    branch = { column: "status", values: statuses };
    if (workflowIds) where.push(inList("workflowId", workflowIds, p));
  }
  return { empty: false, where, substring, needsJoins, branch };
}

export type FilterPlan = Extract<Plan, { empty: false }>;

export const JOINS = `JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
  JOIN organizations o ON o.id = e."orgId"`;

function branchCondition(branch: { column: "status" | "workflowId" }, param: string): string {
  return branch.column === "status" ? `e.status = ${param}::"ExecutionStatus"` : `e."workflowId" = ${param}::bigint`;
}

/** The page's conditions: the plan's, after the cursor, within the snapshot. */
export function pageWhere(plan: FilterPlan, page: ListPage, p: Params, opts: { snapshot?: boolean } = {}): string[] {
  const where = [...plan.where];
  if (page.cursor) where.push(`(e."createdAt", e.id) < (${p.add(page.cursor.createdAt)}::timestamptz, ${p.add(page.cursor.id)}::bigint)`);
  if (page.snapshotId && opts.snapshot !== false) where.push(`e.id <= ${p.add(page.snapshotId)}::bigint`);
  return where;
}

/**
 * How many executions, newest first, a "contains" search reads through (orgId, createdAt) before
 * it asks the trigram index instead. A common substring ("w1-w" in a third of the ids) fills a
 * page within a few hundred rows of that walk, where the trigram index would hand over hundreds
 * of thousands of candidates to sort; a rare one finds few in the walk and goes to the trigram
 * index, which then has few candidates. Either way no plan reads more than this plus a page.
 */
export const SEARCH_WALK_ROWS = 8_000;

/** Whether a "contains" search walks one ordered sequence first (not when split into branches). */
const walks = (plan: FilterPlan) => plan.substring !== null && !(plan.branch && plan.branch.values.length > 1);

/**
 * The walk of a "contains" search over the newest SEARCH_WALK_ROWS rows of one ordered sequence,
 * with its own copy of the parameters (they stay out of the page query); null without one. It
 * streams: it stops at `limit` matches, so a common substring reads a few hundred rows. The
 * walk's last row is returned too (rn = SEARCH_WALK_ROWS), which tells that the walk ran out
 * before the page was full.
 */
export function substringWalkSql(plan: FilterPlan, where: string[], limit: number, p: Params): SqlText | null {
  if (!walks(plan)) return null;
  const wp = params(p.values);
  const seq = plan.branch ? [...where, branchCondition(plan.branch, wp.add(plan.branch.values[0]))] : where;
  const substring = plan.substring!;
  const text = `SELECT e.id::text, (${substring}) AS hit, e.rn::int FROM (
      SELECT e.id, e."createdAt", e."executionId", e."workflowId", row_number() OVER (ORDER BY e."createdAt" DESC, e.id DESC) AS rn
        FROM executions e ${plan.needsJoins ? JOINS : ""}
       WHERE ${seq.join(" AND ")}
       ORDER BY e."createdAt" DESC, e.id DESC LIMIT ${SEARCH_WALK_ROWS}) e
    WHERE ${substring} OR e.rn = ${SEARCH_WALK_ROWS}
    ORDER BY e."createdAt" DESC, e.id DESC LIMIT ${limit}`;
  return { text, values: wp.values };
}

/**
 * The ids of a "contains" page when walking (orgId, createdAt) found them: a full page among the
 * walked rows (nothing older can come before them), or a walk that reached the end of the rows.
 * Null when the walk ran out first: the trigram index answers.
 */
export function walkedIds(rows: { id: string; hit: boolean; rn: number }[], limit: number): string[] | null {
  const hits = rows.filter((r) => r.hit).map((r) => r.id);
  const ranOut = rows.some((r) => r.rn === SEARCH_WALK_ROWS);
  return hits.length >= limit || !ranOut ? hits : null;
}

/** SQL of the ids of one page (id, createdAt), newest first; `walked`: the walk's ids, if it found the page. */
export function pageIdsSql(plan: FilterPlan, whereOfPage: string[], page: ListPage, p: Params, walked: string[] | null): string {
  const where = [...whereOfPage];
  // the found ids through the primary key; the page's conditions are restated (true of every
  // one of them) so the query uses each parameter the plan added
  if (walked) return `SELECT e.id, e."createdAt" FROM executions e ${plan.needsJoins ? JOINS : ""} WHERE ${[...where, plan.substring!, `e.id = ANY(${p.add(walked)}::bigint[])`].join(" AND ")}`;
  if (walks(plan)) {
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

/** The page itself: the given columns (expressions over e, w, o) of the page's ids, in order. */
export function pageSql(columns: string, ids: string): string {
  return `SELECT ${columns} FROM (${ids}) p
     JOIN executions e ON e."orgId" = $1 AND e.id = p.id
     ${JOINS}
     ORDER BY p."createdAt" DESC, p.id DESC`;
}

/**
 * A count that reads at most cap + 1 index entries per branch. The ORDER BY matches the list's
 * indexes, which keeps the planner on an (index-only) scan of this organization's entries
 * rather than a sequential scan that stops after cap + 1 matches: that looks cheap when one
 * organization is most of the table, and reads millions of rows when it is not.
 *
 * Except under an id prefix: there the ORDER BY made PostgreSQL fetch and sort every match
 * (125k of them, 400 ms at 10M executions), where without it the org-leading pattern index
 * (`executions_orgId_executionId_pattern_idx`) is read index-only for cap + 1 entries (1.4 ms).
 * That index bounds the scan to this organization's matching ids, so no sequential scan tempts
 * the planner.
 */
export function countSql(plan: FilterPlan, filter: ExecutionFilter, extraWhere: string[], cap: number, p: Params): string {
  const where = [...plan.where, ...(plan.substring ? [plan.substring] : []), ...extraWhere];
  if (filter.stuck === true && plan.branch?.column === "status") return stuckCountSql(plan.branch.values, where, cap, p);
  const byIdPrefix = filter.executionId !== undefined && filter.executionId.mode !== "contains";
  const order = byIdPrefix ? "" : `ORDER BY e."createdAt" DESC, e.id DESC `;
  const one = (extra: string | null) => `SELECT count(*) AS n FROM (SELECT 1 FROM executions e ${plan.needsJoins ? JOINS : ""}
       WHERE ${[...where, ...(extra ? [extra] : [])].join(" AND ")}
       ${order}LIMIT ${cap + 1}) t`;
  if (!plan.branch) return `SELECT (${one(null)})::int AS n`;
  const branch = plan.branch;
  const parts = branch.values.map((v) => `(${one(branchCondition(branch, p.add(v)))})`);
  return `SELECT LEAST(sum(n), ${cap + 1})::int AS n FROM (${parts.join("\nUNION ALL\n")}) b`;
}

/**
 * A stuck-only count, its branches being statuses (SCHEDULED, RUNNING: what stuck admits): the
 * rule in its two parts per status (stuckOnlySql, without the list's joins) over the org-leading
 * partial index of each status, index-only, in any order (only the count matters), under one
 * LIMIT: it stops after cap + 1 entries in all, the later parts not read once the first reach it.
 */
function stuckCountSql(statuses: string[], where: string[], cap: number, p: Params): string {
  const rest = where.filter((w) => w !== STUCK_TRUE_WHERE);
  const parts = statuses.flatMap((status) => {
    const ofBranch = branchCondition({ column: "status" }, p.add(status));
    return stuckOnlySql(status as "SCHEDULED" | "RUNNING", "$1").map((part) => `(SELECT 1 FROM executions e ${part.join} WHERE ${[...rest, ofBranch, part.where].join(" AND ")})`);
  });
  return `SELECT count(*)::int AS n FROM (${parts.join("\nUNION ALL\n")}\nLIMIT ${cap + 1}) t`;
}
