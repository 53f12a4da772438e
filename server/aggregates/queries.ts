// Every statement of the aggregates capability: exact counts, charts, the rollups' writes and
// rebuilds, and the recounts `runwatch verify` compares them with. Services call the typed
// functions below; SQL composed at run time (a count's range pieces, a chart's filters) is
// composed here too. Statements are named "aggregates.<what>".
import { z } from "zod";
import { defineCommand, defineDynamicCommand, defineDynamicQuery, defineQuery, type Command, type Queryable, type Reader, type SqlText } from "../db/sql";
import { STUCK_REASON_SQL, stuckSql, stuckThresholdBoundSql } from "../executions/stuck";
import { ACTIVE_STATUSES, STATUSES, TERMINAL_STATUSES, type Status } from "../executions/status";
import { BUCKET_COUNT, BUCKET_UPPER_MS } from "../metrics/histogram";
import { splitRange } from "./aligned-range";
import { BUCKET_ORIGIN_MS, DAY_MS, HOUR_MS } from "./buckets";

const TERMINAL_SQL = TERMINAL_STATUSES.map((s) => `'${s}'`).join(", ");
const status = z.enum(STATUSES);

/**
 * `e.status IN (…)` with the statuses spelled out (checked against the enum): the planner then
 * matches the active partial indexes, and estimates the rows from one clause, not from a product
 * of redundant ones (an IN of the active set AND an = ANY of a parameter read as ~0.1% of rows).
 */
const statusIn = (statuses: readonly Status[], e = "e") => `${e}.status IN (${statuses.map((s) => `'${status.parse(s)}'`).join(", ")})`;

/** Appends a value to a statement's parameters and gives its placeholder. */
type Param = (v: unknown) => string;
function params(first: unknown[] = []): { values: unknown[]; p: Param } {
  const values = [...first];
  return { values, p: (v) => (values.push(v), `$${values.length}`) };
}

// A workflow filter by key, resolved inside the statement (an initplan evaluated once), so a
// filtered count or chart costs no extra round trip for the ids.
const workflowIdsByKey = (keysParam: string, org = "$1") =>
  `ARRAY(SELECT wk.id FROM workflows wk WHERE wk."orgId" = ${org} AND wk.key = ANY(${keysParam}::text[]))`;

/* --- exact counts ------------------------------------------------------------------------- */

export type ExactCountInput = {
  orgId: string;
  /** the terminal statuses to count from the aggregates ([]: none) */
  terminal: Status[];
  /** the active statuses to count from the active set ([]: none) */
  active: Status[];
  /** workflow keys (null: any workflow) */
  workflows: string[] | null;
  from: Date | undefined;
  to: Date | undefined;
  /** whether the active part judges the stuck rule (it joins workflows and organizations for the thresholds) */
  stuck: boolean;
};

/**
 * The aggregate part, every admitted status: the running totals when there is no range and no
 * workflow, else the created-at rollup over whole days and hours, with the ragged edges (under an
 * hour each) counted from executions by index. Rows (status, n, stuck): with the stuck rule, stuck
 * is n for the stuckable statuses, from which the not-stuck parts (activeCountSql) are taken.
 */
function aggregateCountSql(i: ExactCountInput, p: Param, org: string, wfParam: string | null): string | null {
  const statuses = [...i.terminal, ...i.active];
  if (!statuses.length) return null;
  const st = `${p(statuses)}::"ExecutionStatus"[]`;
  const stuck = (n: string) => (i.stuck ? `(CASE WHEN status IN (${STUCKABLE_SQL}) THEN ${n} ELSE 0 END)::float8` : "0::float8");
  if (!wfParam && !i.from && !i.to) {
    return `SELECT status, sum(count)::float8 AS n, ${stuck("sum(count)")} AS stuck FROM org_execution_totals WHERE "orgId" = ${org} AND status = ANY(${st}) GROUP BY status`;
  }
  const wf = wfParam ? `AND "workflowId" = ANY(${workflowIdsByKey(wfParam, org)})` : "";
  const pieces = splitRange(i.from?.getTime() ?? null, i.to?.getTime() ?? null);
  const at = (ms: number) => `${p(new Date(ms))}::timestamptz`;
  const rollup = (grainHours: 1 | 24, a: number | null, b: number | null) =>
    `SELECT status, count::bigint AS n FROM execution_created_rollup
      WHERE "orgId" = ${org} AND "grainHours" = ${grainHours} ${a === null ? "" : `AND bucket >= ${at(a)}`} ${b === null ? "" : `AND bucket < ${at(b)}`}
        AND status = ANY(${st}) ${wf}`;
  const parts: string[] = [];
  if (pieces.days) parts.push(rollup(24, pieces.days.from, pieces.days.to));
  for (const h of pieces.hours) parts.push(rollup(1, h.from, h.to));
  for (const r of pieces.ragged) {
    parts.push(`SELECT status, count(*)::bigint AS n FROM executions
      WHERE "orgId" = ${org} AND status = ANY(${st}) AND "createdAt" >= ${at(r.from)} AND "createdAt" < ${at(r.to)} ${wf}
      GROUP BY status`);
  }
  if (!parts.length) return null;
  return `SELECT status, sum(n)::float8 AS n, ${stuck("sum(n)")} AS stuck FROM (${parts.join("\nUNION ALL\n")}) t GROUP BY status`;
}

/** The statuses the stuck rule can hold (server/executions/stuck.ts). */
const STUCKABLE = ["SCHEDULED", "RUNNING"] as const satisfies readonly Status[];
const STUCKABLE_SQL = STUCKABLE.map((s) => `'${s}'`).join(", ");
const RULE = stuckSql({ scheduledAfterSeconds: "", runningAfterSeconds: "" });
const isStuckable = (s: Status) => (STUCKABLE as readonly Status[]).includes(s);

/**
 * The executions of one stuckable status that are NOT stuck now, among rows e joined to w and o:
 * "since" newer than the largest threshold of the organization (a range of the org-leading
 * partial index of that status: executions_scheduled_org_since_idx, executions_running_org_alive_idx),
 * and not stuck by the rule. A stuck count is then the status's count minus these, so it costs
 * the recently alive executions, never the (large, old) stuck ones.
 */
function notStuckSql(status: (typeof STUCKABLE)[number], org: string): string {
  const since = status === "SCHEDULED" ? RULE.scheduledSince : RULE.signOfLife;
  return `e.status = '${status}' AND NOT (${RULE.olderThan(since, stuckThresholdBoundSql(status, org, "max"))}) AND (${STUCK_REASON_SQL}) IS NULL`;
}

// The planner prices the range of "since" at a third of the status (it cannot know the
// threshold; the range is the recently alive ones). With no range and no workflow, count(e.id),
// which the covering index lacks, so it cannot prefer reading every entry of the status
// index-only, and takes that range. With a range or a workflow, count(*): the covering index's
// range (status, workflow, createdAt) then competes, and index-only it reads no heap; with e.id
// it read every stuckable row of the range from the heap instead (120 ms at 30 days, 10M).
const notStuckCount = (narrowed: boolean) => (narrowed ? `count(*)` : `count(e.id)`);

/**
 * The active part, with the stuck rule only: the executions of each admitted stuckable status
 * that are not stuck (notStuckSql), as rows (status, 0, −count) the caller sums with the
 * aggregate part's (status, n, n). No rule asked: nothing to read here.
 */
function activeCountSql(i: ExactCountInput, p: Param, org: string, wfParam: string | null): string | null {
  const stuckable = STUCKABLE.filter((s) => i.active.includes(s));
  if (!i.stuck || !stuckable.length) return null;
  const where = [
    `e."orgId" = ${org}`,
    ...(i.from ? [`e."createdAt" >= ${p(i.from)}::timestamptz`] : []),
    ...(i.to ? [`e."createdAt" < ${p(i.to)}::timestamptz`] : []),
    // A join on the keys, not an id array from a subquery: the planner then knows how many
    // workflows it reads.
    ...(wfParam ? [`w.key = ANY(${wfParam}::text[])`] : []),
  ];
  const count = notStuckCount(Boolean(wfParam || i.from || i.to));
  return stuckable
    .map(
      (s) => `(SELECT e.status, 0::float8 AS n, (-${count})::float8 AS stuck
         FROM executions e JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId" JOIN organizations o ON o.id = e."orgId"
        WHERE ${[...where, notStuckSql(s, org)].join(" AND ")} GROUP BY e.status)`,
    )
    .join("\nUNION ALL\n");
}

const EXACT_COUNTS = defineDynamicQuery("aggregates.exactCounts", z.object({ status, n: z.number(), stuck: z.number() }));

function exactCountStatement(i: ExactCountInput): SqlText | null {
  const { values, p } = params([i.orgId]);
  const wfParam = i.workflows ? p(i.workflows) : null;
  const parts = [aggregateCountSql(i, p, "$1", wfParam), activeCountSql(i, p, "$1", wfParam)].filter((s): s is string => s !== null);
  if (!parts.length) return null;
  return { text: parts.length === 1 ? parts[0]! : parts.map((s) => `(${s})`).join("\nUNION ALL\n"), values };
}

/** Terminal and active counts by status, in one statement (one round trip). */
export async function exactCountRows(db: Queryable, i: ExactCountInput) {
  const q = exactCountStatement(i);
  return q ? EXACT_COUNTS.all(db, q) : [];
}

/** The two parts of an exact count as separate statements, for EXPLAIN in tests. */
export function explainableExactCountParts(i: ExactCountInput): { terminal: { sql: string; values: unknown[] } | null; active: { sql: string; values: unknown[] } | null; combined: { sql: string; values: unknown[] } | null } {
  const part = (build: typeof aggregateCountSql) => {
    const { values, p } = params([i.orgId]);
    const wfParam = i.workflows ? p(i.workflows) : null;
    const sql = build(i, p, "$1", wfParam);
    return sql ? { sql, values } : null;
  };
  const combined = exactCountStatement(i);
  return { terminal: part(aggregateCountSql), active: part(activeCountSql), combined: combined ? { sql: combined.text, values: [...combined.values] } : null };
}

/* --- charts ------------------------------------------------------------------------------- */

export type ChartQueryInput = {
  orgId: string;
  from: Date;
  to: Date;
  bucketMs: number;
  /** whole days from execution_daily, else hours from execution_hourly */
  daily: boolean;
  workflows: string[] | null;
  statuses: Status[] | null;
  stuckOnly: boolean;
};

// floor((t − origin) / size), the same index as bucketIndex() in buckets.ts. In float8
// (date_part), not numeric (extract): numeric arithmetic per row cost more than reading the row
// (170 ms of a 90-day chart's 230 at 10M). Exact: epoch milliseconds stay far below 2^53, and
// the rounding error of seconds × 1000 (~1e-4 ms) cannot cross a bucket bound, which sits on a
// whole millisecond that the timestamp(3) either reaches exactly or misses by at least 1 ms.
const bucketIndexSql = (column: string, sizeParam: string) =>
  `floor((date_part('epoch', ${column}) * 1000 - ${BUCKET_ORIGIN_MS}) / ${sizeParam}::float8)::float8`;

const HISTOGRAM_SUMS = Array.from({ length: BUCKET_COUNT }, (_, i) => `COALESCE(sum(h.histogram[${i + 1}]), 0)::float8`).join(", ");

const CHART_TERMINAL = defineDynamicQuery(
  "aggregates.chartTerminal",
  z.object({ b: z.number(), status, n: z.number(), durationSum: z.number(), hist: z.array(z.number()) }),
);
const CHART_ACTIVE = defineDynamicQuery("aggregates.chartActive", z.object({ b: z.number(), status, n: z.number(), stuck: z.number() }));

/** Terminal executions per bucket and status, with duration sums and histograms, from the hourly or daily aggregate. */
export function chartTerminalRows(db: Queryable, i: ChartQueryInput) {
  const { values, p } = params([i.orgId, i.from, i.to, i.bucketMs]);
  const table = i.daily ? "execution_daily" : "execution_hourly";
  const time = i.daily ? "h.day" : "h.hour";
  const wf = i.workflows ? `AND h."workflowId" = ANY(${workflowIdsByKey(p(i.workflows))})` : "";
  const st = i.statuses ? `AND h.status::text = ANY(${p(i.statuses)}::text[])` : "";
  return CHART_TERMINAL.all(db, {
    text: `SELECT ${bucketIndexSql(time, "$4")} AS b, h.status, sum(h.count)::float8 AS n, sum(h."durationSumMs")::float8 AS "durationSum",
                  ARRAY[${HISTOGRAM_SUMS}] AS hist
             FROM ${table} h
            WHERE h."orgId" = $1 AND ${time} >= $2 AND ${time} < $3 ${wf} ${st}
            GROUP BY 1, 2`,
    values,
  });
}

/**
 * Active executions per bucket (by the hour they were created) and status, and how many are
 * stuck: whole hours (or days) from the created-at rollup, the last partial one (up to `to`) from
 * executions by index, and the stuck ones as the stuckable statuses' count minus the ones not
 * stuck (notStuckSql), summed per bucket in the statement. `from` is on the grain (charts.ts).
 */
export function chartActiveRows(db: Queryable, i: ChartQueryInput) {
  const grainMs = i.daily ? DAY_MS : HOUR_MS;
  const edge = new Date(Math.max(i.from.getTime(), Math.floor(i.to.getTime() / grainMs) * grainMs));
  const { values, p } = params([i.orgId, i.from, i.to, i.bucketMs, edge]);
  // the active statuses the filter admits (only the stuck ones: of the stuckable statuses, minus
  // the ones not stuck below)
  const admitted = ACTIVE_STATUSES.filter((s) => (!i.statuses || i.statuses.includes(s)) && (!i.stuckOnly || isStuckable(s)));
  if (!admitted.length) return Promise.resolve([]);
  const keys = i.workflows ? p(i.workflows) : null;
  // by key on the joined workflow, as the active part of a count does (a known number of rows)
  const workflows = `JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"`;
  const where = (from: string) => [`e."orgId" = $1`, `e."createdAt" >= ${from}`, `e."createdAt" < $3`, ...(keys ? [`w.key = ANY(${keys}::text[])`] : [])];
  const stuck = (n: string, st: string) => `(CASE WHEN ${st} IN (${STUCKABLE_SQL}) THEN ${n} ELSE 0 END)::float8`;
  const rollup = `SELECT ${bucketIndexSql("r.bucket", "$4")} AS b, r.status, sum(r.count)::float8 AS n, ${stuck("sum(r.count)", "r.status")} AS stuck
      FROM execution_created_rollup r
     WHERE r."orgId" = $1 AND r."grainHours" = ${i.daily ? 24 : 1} AND r.bucket >= $2 AND r.bucket < $5 AND ${statusIn(admitted, "r")}
       ${keys ? `AND r."workflowId" = ANY(${workflowIdsByKey(keys)})` : ""}
     GROUP BY 1, 2`;
  const b = bucketIndexSql(`e."createdAt"`, "$4");
  const lastBucket = `SELECT ${b} AS b, e.status, count(*)::float8 AS n, ${stuck("count(*)", "e.status")} AS stuck
      FROM executions e ${keys ? workflows : ""} WHERE ${[...where("$5"), statusIn(admitted)].join(" AND ")} GROUP BY 1, 2`;
  const notStuck = STUCKABLE.filter((s) => admitted.includes(s)).map(
    (s) => `SELECT ${b} AS b, e.status, ${i.stuckOnly ? `(-count(*))` : "0"}::float8 AS n, (-count(*))::float8 AS stuck
      FROM executions e ${workflows} JOIN organizations o ON o.id = e."orgId"
     WHERE ${[...where("$2"), notStuckSql(s, "$1")].join(" AND ")} GROUP BY 1, 2`,
  );
  return CHART_ACTIVE.all(db, {
    text: `SELECT b, status, sum(n)::float8 AS n, sum(stuck)::float8 AS stuck
             FROM (${[rollup, lastBucket, ...notStuck].map((q) => `(${q})`).join("\nUNION ALL\n")}) t
            GROUP BY 1, 2 HAVING sum(n) <> 0`,
    values,
  });
}

/* --- rollup writes (ingestion) ------------------------------------------------------------ */

const WRITE_ROLLUPS = defineCommand(
  "aggregates.writeRollups",
  `WITH daily AS (
     INSERT INTO execution_daily AS t ("orgId", "workflowId", day, status, count, "durationSumMs", histogram)
     SELECT $1, x."workflowId", x.day, x.status, x.count, x."durationSumMs", x.histogram
       FROM json_to_recordset($2::json) AS x("workflowId" bigint, day timestamptz, status "ExecutionStatus", count int, "durationSumMs" bigint, histogram int[])
      ORDER BY x."workflowId", x.day, x.status
     ON CONFLICT ("orgId", "workflowId", day, status) DO UPDATE SET count = t.count + EXCLUDED.count,
       "durationSumMs" = t."durationSumMs" + EXCLUDED."durationSumMs",
       histogram = ARRAY(SELECT a + b FROM unnest(coalesce(t.histogram, array_fill(0, ARRAY[${BUCKET_COUNT}])), EXCLUDED.histogram) AS u(a, b))
   ), created AS (
     INSERT INTO execution_created_rollup AS t ("orgId", "grainHours", bucket, "workflowId", status, count)
     SELECT $1, x."grainHours", x.bucket, x."workflowId", x.status, x.count
       FROM json_to_recordset($3::json) AS x("grainHours" smallint, bucket timestamptz, "workflowId" bigint, status "ExecutionStatus", count int)
      ORDER BY x."grainHours", x.bucket, x."workflowId", x.status
     ON CONFLICT ("orgId", "grainHours", bucket, "workflowId", status) DO UPDATE SET count = t.count + EXCLUDED.count
   )
   INSERT INTO org_execution_totals AS t ("orgId", status, shard, count)
   SELECT $1, x.status, x.shard, x.count
     FROM json_to_recordset($4::json) AS x(status "ExecutionStatus", shard smallint, count bigint)
    ORDER BY x.status, x.shard
   ON CONFLICT ("orgId", status, shard) DO UPDATE SET count = t.count + EXCLUDED.count`,
);

/** Moves the three rollups by a batch's deltas, in one statement (daily, created, totals, each in key order). */
export const writeRollupDeltas = (db: Queryable, orgId: string, daily: unknown[], created: unknown[], totals: unknown[]) =>
  WRITE_ROLLUPS.run(db, [orgId, JSON.stringify(daily), JSON.stringify(created), JSON.stringify(totals)]);

/* --- rollups as a recount of the executions (rebuild and verify share these) -------------- */

// bucket i of a histogram from rows grouped by width_bucket (bucketOf's SQL twin, as in recountHourly)
const HISTOGRAM_FROM_BUCKETS = Array.from({ length: BUCKET_COUNT }, (_, i) => `coalesce(sum(c.n) FILTER (WHERE c.bucket = ${i}), 0)::int`).join(", ");

/** Running totals are split by workflowId % TOTAL_SHARDS (see the migration's table comment). */
export const TOTAL_SHARDS = 16;

// Each recount: $1 an organization id or NULL for all; $2 (daily only) the histogram's bucket bounds.
const RECOUNT = {
  execution_daily: {
    columns: `"orgId", "workflowId", day, status, count, "durationSumMs", histogram`,
    select: `SELECT c."orgId", c."workflowId", c.day, c.status, sum(c.n)::int AS count, sum(c.sum)::bigint AS "durationSumMs", ARRAY[${HISTOGRAM_FROM_BUCKETS}] AS histogram
       FROM (SELECT e."orgId", e."workflowId", date_trunc('day', e."completedAt", 'UTC') AS day, e.status,
                    width_bucket(e."durationMs", $2::bigint[]) AS bucket, count(*)::int AS n, sum(e."durationMs") AS sum
               FROM executions e
              WHERE e.status IN (${TERMINAL_SQL}) AND e."completedAt" IS NOT NULL AND e."durationMs" IS NOT NULL
                AND ($1::uuid IS NULL OR e."orgId" = $1::uuid)
              GROUP BY 1, 2, 3, 4, 5) c
      GROUP BY 1, 2, 3, 4`,
    stored: `SELECT "orgId", "workflowId", day, status, count, "durationSumMs", coalesce(histogram, array_fill(0, ARRAY[${BUCKET_COUNT}])) AS histogram
       FROM execution_daily WHERE ($1::uuid IS NULL OR "orgId" = $1::uuid) AND (count <> 0 OR "durationSumMs" <> 0 OR histogram <> array_fill(0, ARRAY[${BUCKET_COUNT}]))`,
    key: `r."workflowId"::text || ' ' || to_char(r.day AT TIME ZONE 'UTC', 'YYYY-MM-DD') || ' ' || r.status`,
    value: `'count ' || r.count || ', sum ' || r."durationSumMs" || ' ms, histogram ' || array_to_string(r.histogram, ',')`,
  },
  execution_created_rollup: {
    columns: `"orgId", "grainHours", bucket, "workflowId", status, count`,
    select: `SELECT e."orgId", g.hours AS "grainHours", date_trunc(CASE g.hours WHEN 1 THEN 'hour' ELSE 'day' END, e."createdAt", 'UTC') AS bucket,
            e."workflowId", e.status, count(*)::int AS count
       FROM executions e, (VALUES (1::smallint), (24::smallint)) AS g(hours)
      WHERE $1::uuid IS NULL OR e."orgId" = $1::uuid
      GROUP BY 1, 2, 3, 4, 5`,
    stored: `SELECT "orgId", "grainHours", bucket, "workflowId", status, count FROM execution_created_rollup
      WHERE ($1::uuid IS NULL OR "orgId" = $1::uuid) AND count <> 0`,
    key: `r."grainHours" || 'h ' || to_char(r.bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') || ' workflow ' || r."workflowId" || ' ' || r.status`,
    value: `'count ' || r.count`,
  },
  org_execution_totals: {
    columns: `"orgId", status, shard, count`,
    select: `SELECT e."orgId", e.status, (e."workflowId" % ${TOTAL_SHARDS})::smallint AS shard, count(*)::bigint AS count
       FROM executions e
      WHERE $1::uuid IS NULL OR e."orgId" = $1::uuid
      GROUP BY 1, 2, 3`,
    stored: `SELECT "orgId", status, shard, count FROM org_execution_totals WHERE ($1::uuid IS NULL OR "orgId" = $1::uuid) AND count <> 0`,
    key: `r.status || ' shard ' || r.shard`,
    value: `'count ' || r.count`,
  },
} as const;

export type RollupTable = keyof typeof RECOUNT;
export const ROLLUP_TABLES = Object.keys(RECOUNT) as RollupTable[];

const recountParams = (table: RollupTable, orgId: string | null) => (table === "execution_daily" ? [orgId, BUCKET_UPPER_MS] : [orgId]);

const LOCK_AND_CLEAR = defineDynamicCommand("aggregates.clearRollup");
const REBUILD = Object.fromEntries(
  ROLLUP_TABLES.map((t) => [t, defineCommand(`aggregates.rebuild.${t}`, `INSERT INTO ${t} (${RECOUNT[t].columns}) ${RECOUNT[t].select}`)]),
) as Record<RollupTable, Command<readonly unknown[]>>;

/**
 * Rebuilds one rollup of one organization (null: all) from the executions. Locked the way repair
 * locks execution_hourly, so ingestion (which writes after locking its executions) waits.
 */
export async function rebuildRollupTable(db: Queryable, table: RollupTable, orgId: string | null): Promise<void> {
  await LOCK_AND_CLEAR.run(db, `LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`);
  await LOCK_AND_CLEAR.run(db, { text: `DELETE FROM ${table} WHERE $1::uuid IS NULL OR "orgId" = $1::uuid`, values: [orgId] });
  await REBUILD[table].run(db, recountParams(table, orgId));
}

const rollupDifferenceRow = z.object({ orgSlug: z.string(), key: z.string(), stored: z.string().nullable(), actual: z.string().nullable() });
// stored and recounted rows as (orgId, key, value) in words; a row differs when its value does,
// or when it exists on one side only
const DIFFER = Object.fromEntries(
  ROLLUP_TABLES.map((t) => {
    const r = RECOUNT[t];
    const described = (rows: string) => `SELECT r."orgId", ${r.key} AS key, ${r.value} AS value FROM (${rows}) r`;
    return [
      t,
      defineQuery(
        `aggregates.verify.${t}`,
        `WITH s AS (${described(r.stored)}), a AS (${described(r.select)})
         SELECT o.slug AS "orgSlug", COALESCE(s.key, a.key) AS key, s.value AS stored, a.value AS actual
           FROM s FULL JOIN a ON a."orgId" = s."orgId" AND a.key = s.key
           JOIN organizations o ON o.id = COALESCE(s."orgId", a."orgId")
          WHERE s.value IS DISTINCT FROM a.value
          ORDER BY 1, 2`,
        rollupDifferenceRow,
      ),
    ];
  }),
) as Record<RollupTable, Reader<readonly unknown[], z.output<typeof rollupDifferenceRow>>>;

/** The rows of one rollup that differ from a recount of the executions (zero rows count as none). */
export const rollupDifferenceRows = (db: Queryable, table: RollupTable, orgId: string | null) => DIFFER[table].all(db, recountParams(table, orgId));

/* --- verify and repair: workflow counters, stage times, the hourly aggregate ---------------- */

const COUNTS = z.object({ executionCount: z.number(), successCount: z.number(), failureCount: z.number(), cancelledCount: z.number() });
const WORKFLOW_RECOUNT = defineQuery(
  "aggregates.workflowRecount",
  `SELECT o.slug AS "orgSlug", w.key AS workflow,
          json_build_object('executionCount', w."executionCount", 'successCount', w."successCount",
                            'failureCount', w."failureCount", 'cancelledCount', w."cancelledCount") AS stored,
          json_build_object('executionCount', coalesce(c.total, 0), 'successCount', coalesce(c.success, 0),
                            'failureCount', coalesce(c.failure, 0), 'cancelledCount', coalesce(c.cancelled, 0)) AS actual
   FROM workflows w
   JOIN organizations o ON o.id = w."orgId"
   LEFT JOIN (
     SELECT e."orgId", e."workflowId",
            count(*)::int AS total,
            count(*) FILTER (WHERE e.status = 'COMPLETED')::int AS success,
            count(*) FILTER (WHERE e.status IN ('FAILED', 'TIMED_OUT'))::int AS failure,
            count(*) FILTER (WHERE e.status = 'CANCELLED')::int AS cancelled
     FROM executions e
     WHERE $1::uuid IS NULL OR e."orgId" = $1::uuid
     GROUP BY e."orgId", e."workflowId"
   ) c ON c."orgId" = w."orgId" AND c."workflowId" = w.id
   WHERE $1::uuid IS NULL OR w."orgId" = $1::uuid
   ORDER BY o.slug, w.key`,
  z.object({ orgSlug: z.string(), workflow: z.string(), stored: COUNTS, actual: COUNTS }),
);

/** Every workflow's stored counters beside a recount from its executions. */
export const workflowCounterRows = (db: Queryable, orgId: string | null) => WORKFLOW_RECOUNT.all(db, [orgId]);

// FOR NO KEY UPDATE in id order, as ingestion locks the rows whose counters it moves; the recount
// that follows is a statement of its own, so its snapshot sees every transaction that held one.
const LOCK_WORKFLOWS = defineCommand(
  "aggregates.lockWorkflows",
  `SELECT 1 FROM workflows WHERE $1::uuid IS NULL OR "orgId" = $1::uuid ORDER BY "orgId", id FOR NO KEY UPDATE`,
);
const RECOUNT_WORKFLOW_COUNTERS = defineCommand(
  "aggregates.recountWorkflowCounters",
  `UPDATE workflows w SET "executionCount" = c.total, "successCount" = c.success, "failureCount" = c.failure, "cancelledCount" = c.cancelled, "updatedAt" = now()
     FROM (SELECT w2."orgId", w2.id, count(e.id)::int AS total,
                  count(e.id) FILTER (WHERE e.status = 'COMPLETED')::int AS success,
                  count(e.id) FILTER (WHERE e.status IN ('FAILED', 'TIMED_OUT'))::int AS failure,
                  count(e.id) FILTER (WHERE e.status = 'CANCELLED')::int AS cancelled
             FROM workflows w2 LEFT JOIN executions e ON e."orgId" = w2."orgId" AND e."workflowId" = w2.id
            WHERE $1::uuid IS NULL OR w2."orgId" = $1::uuid
            GROUP BY 1, 2) c
    WHERE w."orgId" = c."orgId" AND w.id = c.id
      AND (w."executionCount", w."successCount", w."failureCount", w."cancelledCount") IS DISTINCT FROM (c.total, c.success, c.failure, c.cancelled)`,
);

/**
 * Sets every workflow's counters (of one organization, or all) to a recount of its executions;
 * the number of workflows that differed. Runs after the executions are locked, as ingestion does.
 */
export async function recountWorkflowCounters(db: Queryable, orgId: string | null): Promise<number> {
  await LOCK_WORKFLOWS.run(db, [orgId]);
  return RECOUNT_WORKFLOW_COUNTERS.run(db, [orgId]);
}


/**
 * The executions whose stored stage times differ from the ones their timeline gives: the
 * earliest occurredAt of any event (heartbeats included), of its SCHEDULED events, of its
 * RUNNING/WAITING events, and of the events of its terminal status. Kept as LEAST with the stored
 * value: the stored one was some event's occurredAt too, whose timeline row retention may have
 * dropped. Set-wise (hash aggregates, not a lookup per execution), so it scales to a full table.
 * $1: an organization id, or NULL for all.
 */
const STAGE_TIMES_SQL = `
  WITH per AS (
    SELECT ev."orgId", ev."executionId", ev.status, min(ev."occurredAt") AS at
      FROM execution_events ev WHERE $1::uuid IS NULL OR ev."orgId" = $1::uuid GROUP BY 1, 2, 3
  ), t AS (
    SELECT p."orgId", p."executionId", min(p.at) AS first,
           min(p.at) FILTER (WHERE p.status = 'SCHEDULED') AS sched,
           min(p.at) FILTER (WHERE p.status IN ('RUNNING', 'WAITING')) AS started
      FROM per p GROUP BY 1, 2
  ), hb AS (
    SELECT h."orgId", h."executionId", min(h."firstOccurredAt") AS first
      FROM execution_heartbeats h WHERE $1::uuid IS NULL OR h."orgId" = $1::uuid GROUP BY 1, 2
  ), want AS (
    SELECT e."orgId", e.id, e."executionId", e.status, e."createdAt", e."scheduledAt", e."startedAt", e."completedAt", e."durationMs",
           LEAST(e."createdAt", t.first, hb.first) AS "wantCreatedAt",
           LEAST(e."scheduledAt", t.sched) AS "wantScheduledAt",
           LEAST(e."startedAt", t.started) AS "wantStartedAt",
           CASE WHEN e.status IN (${TERMINAL_SQL}) THEN LEAST(e."completedAt", term.at) END AS "wantCompletedAt"
      FROM executions e
      LEFT JOIN t ON t."orgId" = e."orgId" AND t."executionId" = e."executionId"
      LEFT JOIN per term ON term."orgId" = e."orgId" AND term."executionId" = e."executionId" AND term.status = e.status
      LEFT JOIN hb ON hb."orgId" = e."orgId" AND hb."executionId" = e."executionId"
     WHERE $1::uuid IS NULL OR e."orgId" = $1::uuid
  ), diff AS (
    SELECT w.*, CASE WHEN w."wantCompletedAt" IS NULL THEN NULL ELSE
             GREATEST(0, round(extract(epoch FROM w."wantCompletedAt" - COALESCE(w."wantStartedAt", w."wantCreatedAt")) * 1000))::bigint END AS "wantDurationMs"
      FROM want w
  )
  SELECT d."orgId", d.id::text AS id, d."executionId", d.status, d."createdAt", d."scheduledAt", d."startedAt", d."completedAt",
         d."durationMs"::text AS "durationMs", d."wantCreatedAt", d."wantScheduledAt", d."wantStartedAt", d."wantCompletedAt",
         d."wantDurationMs"::text AS "wantDurationMs"
    FROM diff d
   WHERE d."createdAt" IS DISTINCT FROM d."wantCreatedAt" OR d."scheduledAt" IS DISTINCT FROM d."wantScheduledAt"
      OR d."startedAt" IS DISTINCT FROM d."wantStartedAt" OR d."completedAt" IS DISTINCT FROM d."wantCompletedAt"
      OR d."durationMs" IS DISTINCT FROM d."wantDurationMs"`;

const EXECUTION_COUNT = defineQuery("aggregates.executionCount", `SELECT count(*)::int AS n FROM executions WHERE $1::uuid IS NULL OR "orgId" = $1::uuid`, z.object({ n: z.number() }));
/** How many executions a verify or repair covers. */
export const executionCount = async (db: Queryable, orgId: string | null) => (await EXECUTION_COUNT.one(db, [orgId])).n;

const STAGE_TIMES = defineQuery(
  "aggregates.stageTimes",
  STAGE_TIMES_SQL,
  z.object({
    orgId: z.string(),
    id: z.string(),
    executionId: z.string(),
    status: z.string(),
    createdAt: z.date(),
    scheduledAt: z.date().nullable(),
    startedAt: z.date().nullable(),
    completedAt: z.date().nullable(),
    durationMs: z.string().nullable(),
    wantCreatedAt: z.date(),
    wantScheduledAt: z.date().nullable(),
    wantStartedAt: z.date().nullable(),
    wantCompletedAt: z.date().nullable(),
    wantDurationMs: z.string().nullable(),
  }),
);
/** The executions whose stage times differ from their timeline's (server/executions/recompute.ts). */
export const stageTimeRows = (db: Queryable, orgId: string | null) => STAGE_TIMES.all(db, [orgId]);

const REWRITE_STAGE_TIMES = defineCommand(
  "aggregates.rewriteStageTimes",
  `WITH x AS (
     SELECT * FROM json_to_recordset($1::json) AS x("orgId" uuid, id bigint, "createdAt" timestamptz, "scheduledAt" timestamptz,
       "startedAt" timestamptz, "completedAt" timestamptz)
   ), locked AS (
     SELECT e."orgId", e.id, LEAST(e."createdAt", x."createdAt") AS "createdAt", LEAST(e."scheduledAt", x."scheduledAt") AS "scheduledAt",
            LEAST(e."startedAt", x."startedAt") AS "startedAt", LEAST(e."completedAt", x."completedAt") AS "completedAt"
       FROM executions e JOIN x ON e."orgId" = x."orgId" AND e.id = x.id
      ORDER BY e."orgId", e."executionId" FOR UPDATE OF e
   )
   UPDATE executions e SET "createdAt" = l."createdAt", "scheduledAt" = l."scheduledAt", "startedAt" = l."startedAt",
     "completedAt" = l."completedAt",
     "durationMs" = CASE WHEN l."completedAt" IS NULL THEN e."durationMs" ELSE
       GREATEST(0, round(extract(epoch FROM l."completedAt" - COALESCE(l."startedAt", l."createdAt")) * 1000))::bigint END,
     "statusChangedAt" = COALESCE(l."completedAt", e."statusChangedAt"),
     "lastEventAt" = COALESCE(l."completedAt", e."lastEventAt"), "updatedAt" = now()
   FROM locked l WHERE e."orgId" = l."orgId" AND e.id = l.id`,
);

export type StageTimesFix = { orgId: string; id: string; createdAt: Date; scheduledAt: Date | null; startedAt: Date | null; completedAt: Date | null };

/**
 * Writes stage times from the timeline. Rows are locked as ingestion locks them (by executionId);
 * every stage time is a minimum, so LEAST with the row as it is now keeps whatever a racing event
 * set meanwhile, and the duration follows the written times.
 */
export const rewriteStageTimes = (db: Queryable, fixes: StageTimesFix[]) => REWRITE_STAGE_TIMES.run(db, [JSON.stringify(fixes)]);

const LOCK_HOURLY = defineCommand("aggregates.lockHourly", `LOCK TABLE execution_hourly IN SHARE ROW EXCLUSIVE MODE`);
const CLEAR_HOURLY = defineCommand("aggregates.clearHourly", `DELETE FROM execution_hourly WHERE $1::uuid IS NULL OR "orgId" = $1::uuid`);
const INSERT_HOURLY = defineCommand(
  "aggregates.insertHourly",
  `INSERT INTO execution_hourly ("orgId", "workflowId", hour, status, count, "durationSumMs", histogram)
   SELECT x."orgId", x."workflowId", x.hour, x.status, x.count, x."durationSumMs", x.histogram
   FROM json_to_recordset($1::json) AS x("orgId" uuid, "workflowId" bigint, hour timestamptz, status "ExecutionStatus", count int,
     "durationSumMs" bigint, histogram int[])`,
);

/**
 * Replaces the hourly aggregate of one organization (null: all) with the given rows. Locked first:
 * ingestion writes it after locking its executions, as repair does, so the lock cannot stall it
 * in a cycle.
 */
export async function lockHourly(db: Queryable): Promise<void> {
  await LOCK_HOURLY.run(db, []);
}
export async function replaceHourly(db: Queryable, orgId: string | null, rows: readonly unknown[]): Promise<void> {
  await CLEAR_HOURLY.run(db, [orgId]);
  if (rows.length) await INSERT_HOURLY.run(db, [JSON.stringify(rows)]);
}
