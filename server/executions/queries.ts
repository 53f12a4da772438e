// The hand-written SQL of the executions capability: the list and its capped count (composed
// from a filter by ./list-sql.ts), one execution, its detail's links and audit entries, and its
// timeline. Services call the typed functions below; none of them sees SQL text.
import { z } from "zod";
import { defineCommand, defineDynamicQuery, defineQuery, type Queryable } from "../db/sql";
import { withReadSettings } from "../db/transaction";
import {
  admittedStatuses,
  countSql,
  JOINS,
  pageIdsSql,
  pageSql,
  pageWhere,
  params,
  planFilter,
  containsPattern,
  substringWalkSql,
  walkedIds,
  type ListPage,
  type Params,
  type Plan,
} from "./list-sql";
import { hasSearch, type ExecutionFilter } from "./filters";
import { STATUSES, TERMINAL_STATUSES } from "./status";
import { STUCK_REASON_SQL, STUCK_SINCE_SQL } from "./stuck";

const status = z.enum(STATUSES);
const stuckReason = z.enum(["scheduled", "running"]).nullable();
/** jsonb the ingestion validated (string pairs); not re-checked on every read */
const metadata = z.custom<Record<string, string> | null>();

/* --- the filter's lookups ---------------------------------------------------------------------- */

const idRow = z.object({ id: z.string() });
const WORKFLOW_IDS = defineQuery("executions.workflowIdsOfKeys", `SELECT id::text FROM workflows WHERE "orgId" = $1 AND key = ANY($2::text[]) ORDER BY workflows.id`, idRow);
const WORKFLOW_IDS_LIKE = defineQuery("executions.workflowIdsOfKeyLike", `SELECT id::text FROM workflows WHERE "orgId" = $1 AND key LIKE $2 ORDER BY workflows.id LIMIT 1000`, idRow);

/** The filter planned, with its lookups run (none when it cannot match anyway). */
async function planOf(db: Queryable, orgId: string, filter: ExecutionFilter, p: Params): Promise<Plan> {
  const statuses = admittedStatuses(filter);
  if (statuses && statuses.length === 0) return { empty: true };
  let workflowIds: string[] | null = null;
  if (filter.workflows?.length) {
    workflowIds = (await WORKFLOW_IDS.all(db, [orgId, filter.workflows])).map((r) => r.id);
    if (workflowIds.length === 0) return { empty: true };
  }
  const search = filter.executionId?.mode === "contains" ? filter.executionId.value : null;
  const keyMatchIds = search === null ? [] : (await WORKFLOW_IDS_LIKE.all(db, [orgId, containsPattern(search)])).map((r) => r.id);
  return planFilter(filter, statuses, { workflowIds, keyMatchIds }, p);
}

/* --- list pages -------------------------------------------------------------------------------- */

const WALK = defineDynamicQuery("executions.substringWalk", z.object({ id: z.string(), hit: z.boolean(), rn: z.number() }));

/** SQL of the ids of one page, after the substring walk when it applies; null when nothing can match. */
async function pageIds(db: Queryable, orgId: string, filter: ExecutionFilter, page: ListPage, p: Params, opts: { walk: boolean }): Promise<string | null> {
  const plan = await planOf(db, orgId, filter, p);
  if (plan.empty) return null;
  const where = pageWhere(plan, page, p);
  const walk = opts.walk ? substringWalkSql(plan, where, page.limit + 1, p) : null;
  const walked = walk ? walkedIds(await WALK.all(db, walk), page.limit + 1) : null;
  return pageIdsSql(plan, where, page, p, walked);
}

// The newest link of a ContinueAsNew chain, followed at read time (bounded, in case of a cycle).
const CURRENT_EXECUTION_SQL = `COALESCE((
  WITH RECURSIVE chain(id, depth) AS (
    SELECT e."continuedAsNewToId", 1 WHERE e."continuedAsNewToId" IS NOT NULL
    UNION ALL
    SELECT n."continuedAsNewToId", c.depth + 1 FROM chain c
      JOIN executions n ON n."orgId" = e."orgId" AND n."executionId" = c.id
    WHERE n."continuedAsNewToId" IS NOT NULL AND c.depth < 1000
  ) SELECT id FROM chain ORDER BY depth DESC LIMIT 1), e."executionId")`;

const VIEW_COLUMNS = `e.id::text AS id, e."executionId", w.key AS workflow, e.status, e.attempt, e."createdAt", e."scheduledAt", e."startedAt",
  e."lastHeartbeatAt", e."completedAt", e."durationMs"::float8 AS "durationMs", e.error, e."continuedFromId", e."continuedAsNewToId",
  e."parentExecutionId", e.metadata, e."updatedAt", e."statusChangedAt",
  ${STUCK_REASON_SQL} AS "stuckReason", ${STUCK_SINCE_SQL} AS "stuckSince", ${CURRENT_EXECUTION_SQL} AS "currentExecutionId"`;

/** An execution as the API shows it, before its dates become text; stuckSince is set whatever the reason. */
export const executionViewRow = z.object({
  id: z.string(),
  executionId: z.string(),
  workflow: z.string(),
  status,
  attempt: z.number(),
  createdAt: z.date(),
  scheduledAt: z.date().nullable(),
  startedAt: z.date().nullable(),
  lastHeartbeatAt: z.date().nullable(),
  completedAt: z.date().nullable(),
  durationMs: z.number().nullable(),
  error: z.unknown(),
  continuedFromId: z.string().nullable(),
  continuedAsNewToId: z.string().nullable(),
  parentExecutionId: z.string().nullable(),
  metadata,
  updatedAt: z.date(),
  statusChangedAt: z.date(),
  stuckReason,
  stuckSince: z.date().nullable(),
  currentExecutionId: z.string(),
});
export type ExecutionViewRow = z.infer<typeof executionViewRow>;

const LIST_ROW_COLUMNS = `e.id::text AS id, e."executionId", w.key AS workflow, e.status, e.attempt, e."createdAt", e."scheduledAt", e."startedAt",
  e."completedAt", e."durationMs"::float8 AS "durationMs", e."updatedAt", ${STUCK_REASON_SQL} AS "stuckReason", ${STUCK_SINCE_SQL} AS "stuckSince"`;

/** The dashboard list's light row (no input, output, error or metadata). */
export const executionListRow = executionViewRow.pick({
  id: true,
  executionId: true,
  workflow: true,
  status: true,
  attempt: true,
  createdAt: true,
  scheduledAt: true,
  startedAt: true,
  completedAt: true,
  durationMs: true,
  updatedAt: true,
  stuckReason: true,
  stuckSince: true,
});
export type ExecutionListDbRow = z.infer<typeof executionListRow>;

const TARGET_COLUMNS = `e.id::text AS id, e."createdAt", e."executionId", e.attempt, e.status`;
/** What a bulk job needs of each execution it walks. */
export const executionTargetRow = z.object({ id: z.string(), createdAt: z.date(), executionId: z.string(), attempt: z.number(), status });
export type ExecutionTargetRow = z.infer<typeof executionTargetRow>;

const TARGETS_BY_IDS = defineQuery(
  "executions.targetsByIds",
  `SELECT ${TARGET_COLUMNS} FROM executions e WHERE e."orgId" = $1 AND e."executionId" = ANY($2::text[]) AND e.status::text = ANY($3::text[]) ORDER BY e."createdAt" DESC, e.id DESC`,
  executionTargetRow,
);
/** The chosen executions with one of these statuses, newest first (another organization's ids do not match). */
export const executionTargetsByIds = (db: Queryable, orgId: string, executionIds: readonly string[], statuses: readonly string[]) =>
  TARGETS_BY_IDS.all(db, [orgId, executionIds, statuses]);

const VIEW_PAGE = defineDynamicQuery("executions.viewPage", executionViewRow);
const LIST_PAGE = defineDynamicQuery("executions.listPage", executionListRow);
const TARGET_PAGE = defineDynamicQuery("executions.targetPage", executionTargetRow);

/** One page of matching executions, newest first: up to limit + 1 rows (the extra one: there is a next page). */
async function pageOf<R>(reader: { all(db: Queryable, q: { text: string; values: unknown[] }): Promise<R[]> }, columns: string, db: Queryable, orgId: string, filter: ExecutionFilter, page: ListPage): Promise<R[]> {
  const p = params([orgId]);
  const ids = await pageIds(db, orgId, filter, page, p, { walk: true });
  return ids ? reader.all(db, { text: pageSql(columns, ids), values: p.values }) : [];
}

/** The REST API's page: full views (no input or output). */
export const executionViewPage = (db: Queryable, orgId: string, filter: ExecutionFilter, p: ListPage) => pageOf(VIEW_PAGE, VIEW_COLUMNS, db, orgId, filter, p);
/** The dashboard's page: light rows. */
export const executionListPage = (db: Queryable, orgId: string, filter: ExecutionFilter, p: ListPage) => pageOf(LIST_PAGE, LIST_ROW_COLUMNS, db, orgId, filter, p);
/** A bulk job's chunk: the executions it acts on. */
export const executionTargetPage = (db: Queryable, orgId: string, filter: ExecutionFilter, p: ListPage) => pageOf(TARGET_PAGE, TARGET_COLUMNS, db, orgId, filter, p);

/** The SQL and parameters of a page query, for EXPLAIN in tests and benchmarks. */
export async function explainableListQuery(db: Queryable, orgId: string, filter: ExecutionFilter, page: ListPage): Promise<{ sql: string; values: unknown[] } | null> {
  const p = params([orgId]);
  // a "contains" search as the trigram index answers it after its walk ran out
  // (the walk: explainableSubstringWalk)
  const ids = await pageIds(db, orgId, filter, page, p, { walk: false });
  return ids ? { sql: pageSql("e.id", ids), values: p.values } : null;
}

/** The walk a "contains" search starts with (SEARCH_WALK_ROWS), for EXPLAIN in tests; null without one. */
export async function explainableSubstringWalk(db: Queryable, orgId: string, filter: ExecutionFilter, page: ListPage): Promise<{ sql: string; values: unknown[] } | null> {
  const p = params([orgId]);
  const plan = await planOf(db, orgId, filter, p);
  if (plan.empty) return null;
  const walk = substringWalkSql(plan, pageWhere(plan, page, p, { snapshot: false }), page.limit + 1, p);
  return walk ? { sql: walk.text, values: [...walk.values] } : null;
}

/* --- capped counts ----------------------------------------------------------------------------- */

const COUNT = defineDynamicQuery("executions.cappedCount", z.object({ n: z.number() }));

async function countQuery(db: Queryable, orgId: string, filter: ExecutionFilter, cap: number, afterId: string | null): Promise<{ text: string; values: unknown[] } | null> {
  const p = params([orgId]);
  const plan = await planOf(db, orgId, filter, p);
  if (plan.empty) return null;
  const extra = afterId ? [`e.id > ${p.add(afterId)}::bigint`] : [];
  return { text: countSql(plan, filter, extra, cap, p), values: p.values };
}

// A count of an id or metadata search with another filter reads bitmaps of hundreds of thousands
// of entries (a common metadata pair and FAILED, at 10M executions: 625k and 303k). At the default
// work_mem of 4 MB they go lossy and the recheck reads millions of rows: 1.3 s. With 16 MB they
// stay exact: 0.19 s (more gained nothing). Raised for the count's own transaction, never lowered.
const SEARCH_COUNT_SETTINGS = defineCommand(
  "executions.searchCountSettings",
  `SELECT set_config('work_mem', '16MB', true) WHERE pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('16MB')`,
);

/** Matching executions (arrived after afterId, if given), counted up to cap + 1. */
export async function cappedExecutionCount(db: Queryable, orgId: string, filter: ExecutionFilter, cap: number, afterId: string | null): Promise<number> {
  const q = await countQuery(db, orgId, filter, cap, afterId);
  if (!q) return 0;
  if (!hasSearch(filter)) return (await COUNT.one(db, q)).n;
  return withReadSettings(
    db,
    (client) => SEARCH_COUNT_SETTINGS.run(client, []),
    async (client) => (await COUNT.one(client, q)).n,
  );
}

/** The SQL of a capped count, for EXPLAIN. */
export async function explainableCountQuery(db: Queryable, orgId: string, filter: ExecutionFilter, cap: number): Promise<{ sql: string; values: unknown[] } | null> {
  const q = await countQuery(db, orgId, filter, cap, null);
  return q ? { sql: q.text, values: q.values } : null;
}

/* --- one execution ----------------------------------------------------------------------------- */

const FROM_EXECUTIONS = `FROM executions e ${JOINS}`;

const EXECUTION = defineQuery(
  "executions.one",
  `SELECT ${VIEW_COLUMNS}, e.input, e.output ${FROM_EXECUTIONS} WHERE e."orgId" = $1 AND e."executionId" = $2`,
  executionViewRow.extend({ input: z.unknown(), output: z.unknown() }),
);
/** One execution with its input and output, or null. */
export const executionWithBody = (db: Queryable, orgId: string, executionId: string) => EXECUTION.first(db, [orgId, executionId]);

const LATEST_ID = defineQuery("executions.latestId", `SELECT max(id)::text AS id FROM executions WHERE "orgId" = $1`, z.object({ id: z.string().nullable() }));
/** The newest execution id of an organization (the high-water mark of a list snapshot). */
export const latestExecutionIdOf = async (db: Queryable, orgId: string) => (await LATEST_ID.one(db, [orgId])).id;

const LIST_ROWS_BY_ID = defineQuery(
  "executions.listRowsByExecutionId",
  `SELECT ${LIST_ROW_COLUMNS} ${FROM_EXECUTIONS}
    WHERE e."orgId" = $1 AND e."executionId" = ANY($2::text[])
    ORDER BY e."createdAt" DESC, e.id DESC`,
  executionListRow,
);
/** The list rows of the given execution ids, newest first. */
export const executionListRowsById = (db: Queryable, orgId: string, executionIds: string[]) => LIST_ROWS_BY_ID.all(db, [orgId, executionIds]);

/* --- the detail's links and audit entries ------------------------------------------------------ */

const LINK_COLUMNS = `x."executionId", e.status, w.key AS workflow, e."createdAt"`;
/** A linked execution; status, workflow and createdAt are null when it is not known here. */
export const executionLinkRow = z.object({ executionId: z.string(), status: status.nullable(), workflow: z.string().nullable(), createdAt: z.date().nullable() });

// Both directions, bounded: a corrupt link cannot make this loop.
const CHAIN = defineQuery(
  "executions.chain",
  `WITH RECURSIVE back("executionId", depth) AS (
      SELECT e."continuedFromId", 1 FROM executions e
       WHERE e."orgId" = $1 AND e."executionId" = $2 AND e."continuedFromId" IS NOT NULL
      UNION ALL
      SELECT p."continuedFromId", b.depth + 1 FROM back b
        JOIN executions p ON p."orgId" = $1 AND p."executionId" = b."executionId"
       WHERE p."continuedFromId" IS NOT NULL AND b.depth <= $3
   ), fwd("executionId", depth) AS (
      SELECT e."continuedAsNewToId", 1 FROM executions e
       WHERE e."orgId" = $1 AND e."executionId" = $2 AND e."continuedAsNewToId" IS NOT NULL
      UNION ALL
      SELECT n."continuedAsNewToId", f.depth + 1 FROM fwd f
        JOIN executions n ON n."orgId" = $1 AND n."executionId" = f."executionId"
       WHERE n."continuedAsNewToId" IS NOT NULL AND f.depth <= $3
   ), links AS (
      SELECT 'prev' AS dir, "executionId", depth FROM back
      UNION ALL SELECT 'next', "executionId", depth FROM fwd
   )
   SELECT x.dir, x.depth, ${LINK_COLUMNS}
     FROM links x
     LEFT JOIN executions e ON e."orgId" = $1 AND e."executionId" = x."executionId"
     LEFT JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
    ORDER BY x.dir, x.depth`,
  executionLinkRow.extend({ dir: z.enum(["prev", "next"]), depth: z.number() }),
);
/** The ContinueAsNew chain both ways, up to maxSteps + 1 links each way, nearest first. */
export const chainLinks = (db: Queryable, orgId: string, executionId: string, maxSteps: number) => CHAIN.all(db, [orgId, executionId, maxSteps]);

const LINK = defineQuery(
  "executions.link",
  `SELECT ${LINK_COLUMNS} FROM (SELECT $2::text AS "executionId") x
     LEFT JOIN executions e ON e."orgId" = $1 AND e."executionId" = x."executionId"
     LEFT JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"`,
  executionLinkRow,
);
/** A link to one execution (its fields null when it is not known here). */
export const executionLink = (db: Queryable, orgId: string, executionId: string) => LINK.one(db, [orgId, executionId]);

const CHILDREN = defineQuery(
  "executions.children",
  `SELECT e."executionId", e.status, w.key AS workflow, e."createdAt" FROM executions e
     JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
    WHERE e."orgId" = $1 AND e."parentExecutionId" = $2
    ORDER BY e."createdAt" DESC, e.id DESC LIMIT $3`,
  executionLinkRow,
);
/** An execution's children, newest first. */
export const childLinks = (db: Queryable, orgId: string, executionId: string, limit: number) => CHILDREN.all(db, [orgId, executionId, limit]);

export const executionAuditRow = z.object({
  id: z.string(),
  at: z.date(),
  actorType: z.enum(["USER", "API_KEY", "SYSTEM"]),
  actorLabel: z.string(),
  action: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  details: z.unknown(),
  success: z.boolean(),
});
const AUDIT = defineQuery(
  "executions.audit",
  `SELECT id::text, at, "actorType", "actorLabel", action, before, after, details, success FROM audit_logs
    WHERE "orgId" = $1 AND "resourceType" = 'execution' AND "resourceId" = $2
    ORDER BY at DESC, id DESC LIMIT $3`,
  executionAuditRow,
);
/** The audit entries about an execution, newest first. */
export const executionAuditEntries = (db: Queryable, orgId: string, executionId: string, limit: number) => AUDIT.all(db, [orgId, executionId, limit]);

/* --- timeline ---------------------------------------------------------------------------------- */

const EXISTS = defineQuery("executions.exists", `SELECT 1 AS one FROM executions WHERE "orgId" = $1 AND "executionId" = $2`, z.object({ one: z.number() }));
/** Whether the execution is known here. */
export const executionExists = async (db: Queryable, orgId: string, executionId: string) => (await EXISTS.first(db, [orgId, executionId])) !== null;

const outcome = z.enum(["APPLIED", "DUPLICATE", "STALE", "REJECTED"]);
export const timelineRow = z.object({
  kind: z.enum(["status", "heartbeat"]),
  at: z.date(),
  tie: z.string(),
  id: z.string(),
  eventId: z.string().nullable(),
  status: status.nullable(),
  attempt: z.number(),
  receivedAt: z.date().nullable(),
  outcome: outcome.nullable(),
  reason: z.string().nullable(),
  repeats: z.number().nullable(),
  waitedMs: z.number().nullable(),
  statusBefore: status.nullable(),
  statusAfter: status.nullable(),
  payload: z.unknown(),
  count: z.number().nullable(),
  lastOccurredAt: z.date().nullable(),
});
export type TimelineRow = z.infer<typeof timelineRow>;

// tie orders items of the same occurredAt: 2 × row id for status events, 2 × attempt + 1 for
// heartbeat items, so one bigint keeps the keyset unique across both tables.
const TIMELINE = defineQuery(
  "executions.timeline",
  `SELECT * FROM (
    SELECT 'status' AS kind, "occurredAt" AS at, (id * 2)::text AS tie, id::text AS id, "eventId", status, attempt, "receivedAt",
           outcome, reason, repeats, "waitedMs", "statusBefore", "statusAfter", payload, NULL::int AS count,
           NULL::timestamptz AS "lastOccurredAt"
      -- (HEARTBEAT rows are only in timelines written before compaction, or by npm run gen)
      FROM execution_events WHERE "orgId" = $1 AND "executionId" = $2 AND type = 'STATUS'
    UNION ALL
    SELECT 'heartbeat', "firstOccurredAt", (attempt::bigint * 2 + 1)::text, 'hb-' || attempt, NULL, NULL, attempt, NULL,
           NULL, NULL, NULL, "waitedMs", NULL, NULL, NULL, count, "lastOccurredAt"
      FROM execution_heartbeats WHERE "orgId" = $1 AND "executionId" = $2
  ) t
  WHERE $3::timestamptz IS NULL OR (t.at, t.tie::bigint) > ($3::timestamptz, $4::bigint)
  ORDER BY t.at, t.tie::bigint
  LIMIT $5`,
  timelineRow,
);
/** Up to `limit` timeline rows after the (at, tie) position, if any, in order. */
export const timelineRows = (db: Queryable, orgId: string, executionId: string, after: { at: string; tie: string } | null, limit: number) =>
  TIMELINE.all(db, [orgId, executionId, after?.at ?? null, after?.tie ?? null, limit]);

/* --- verify and repair: the hourly aggregate recounted (./recompute.ts) ----------------------- */

const TERMINAL_SQL = TERMINAL_STATUSES.map((s) => `'${s}'`).join(", ");

const HOURLY_RECOUNT = defineQuery(
  "executions.hourlyRecount",
  `SELECT e."orgId", e."workflowId"::text AS "workflowId", date_trunc('hour', e."completedAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
          e.status, width_bucket(e."durationMs", $2::bigint[]) AS bucket, count(*)::int AS n, sum(e."durationMs")::text AS sum
     FROM executions e
    WHERE e.status IN (${TERMINAL_SQL}) AND e."completedAt" IS NOT NULL AND e."durationMs" IS NOT NULL
      AND ($1::uuid IS NULL OR e."orgId" = $1::uuid)
    GROUP BY 1, 2, 3, 4, 5`,
  z.object({ orgId: z.string(), workflowId: z.string(), hour: z.date(), status: z.string(), bucket: z.number(), n: z.number(), sum: z.string() }),
);
/** Terminal executions per organization, workflow, UTC hour, status and histogram bucket. */
export const hourlyRecountRows = (db: Queryable, orgId: string | null, bucketUpperMs: readonly number[]) => HOURLY_RECOUNT.all(db, [orgId, bucketUpperMs]);

const hourlyRow = z.object({
  orgId: z.string(),
  workflowId: z.string(),
  hour: z.date(),
  status: z.string(),
  count: z.number(),
  durationSumMs: z.string(),
  histogram: z.array(z.number()),
});
export type HourlyRow = z.infer<typeof hourlyRow>;
const STORED_HOURLY = defineQuery(
  "executions.storedHourly",
  `SELECT "orgId", "workflowId"::text AS "workflowId", hour, status, count, "durationSumMs"::text AS "durationSumMs", histogram
     FROM execution_hourly WHERE $1::uuid IS NULL OR "orgId" = $1::uuid`,
  hourlyRow,
);
/** The stored hourly aggregate (of one organization, or all: null). */
export const storedHourlyRows = (db: Queryable, orgId: string | null) => STORED_HOURLY.all(db, [orgId]);
