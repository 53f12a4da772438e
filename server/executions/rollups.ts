// The aggregates behind exact counters and long-range charts, beside execution_hourly:
// - execution_daily: terminal executions by the day they finished (charts over weeks),
// - execution_created_rollup: terminal executions by the hour and the day they were created
//   (exact counts on the list's own time axis),
// - org_execution_totals: terminal executions per organization and status (the header).
// Ingestion moves them by the difference between an execution as locked and as written, in the
// transaction that moves the workflow counters, so each execution counts once wherever its
// events' merge puts it: a late event that moves createdAt, completedAt or the duration takes it
// out of its old rows and into the new ones.
import type pg from "pg";
import type { ExecutionState } from "./lifecycle";
import { isTerminal, TERMINAL_STATUSES, type Status } from "./status";
import { BUCKET_COUNT, BUCKET_UPPER_MS, bucketOf, emptyHistogram } from "../metrics/histogram";
import { DAY_MS, HOUR_MS } from "./hourly";

/** Running totals are split by workflowId % TOTAL_SHARDS (see the migration's table comment). */
export const TOTAL_SHARDS = 16;
export const CREATED_GRAINS_HOURS = [1, 24] as const;

export type RollupChange = { workflowId: string; before: ExecutionState | null; after: ExecutionState };

export type DailyDelta = { workflowId: string; day: Date; status: Status; count: number; durationSumMs: number; histogram: number[] };
export type CreatedDelta = { grainHours: number; bucket: Date; workflowId: string; status: Status; count: number };
export type TotalDelta = { status: Status; shard: number; count: number };
export type RollupDeltas = { daily: DailyDelta[]; created: CreatedDelta[]; totals: TotalDelta[] };

const floorTo = (t: Date, ms: number) => new Date(Math.floor(t.getTime() / ms) * ms);
export const shardOf = (workflowId: string) => Number(BigInt(workflowId) % BigInt(TOTAL_SHARDS));

/** What one execution adds to the aggregates (nothing unless terminal). Pure. */
function contribution(workflowId: string, s: ExecutionState | null) {
  if (!s || !isTerminal(s.status)) return null;
  const finished = s.completedAt && s.durationMs !== null ? { day: floorTo(s.completedAt, DAY_MS), durationMs: s.durationMs } : null;
  return {
    status: s.status,
    finished,
    created: CREATED_GRAINS_HOURS.map((h) => ({ grainHours: h, bucket: floorTo(s.createdAt, h * HOUR_MS) })),
    shard: shardOf(workflowId),
  };
}

/**
 * The moves of the three aggregates for a batch of changed executions. Zero moves are dropped,
 * and rows come sorted by key so that writers lock them in one global order. Pure.
 */
export function rollupDeltas(changes: readonly RollupChange[]): RollupDeltas {
  const daily = new Map<string, DailyDelta>();
  const created = new Map<string, CreatedDelta>();
  const totals = new Map<string, TotalDelta>();
  for (const { workflowId, before, after } of changes) {
    const add = (c: NonNullable<ReturnType<typeof contribution>>, sign: 1 | -1) => {
      if (c.finished) {
        const key = `${workflowId.padStart(20, "0")}|${c.finished.day.toISOString()}|${c.status}`;
        const d = daily.get(key) ?? { workflowId, day: c.finished.day, status: c.status, count: 0, durationSumMs: 0, histogram: emptyHistogram() };
        d.count += sign;
        d.durationSumMs += sign * c.finished.durationMs;
        d.histogram[bucketOf(c.finished.durationMs)]! += sign;
        daily.set(key, d);
      }
      for (const b of c.created) {
        const key = `${b.grainHours.toString().padStart(2, "0")}|${b.bucket.toISOString()}|${workflowId.padStart(20, "0")}|${c.status}`;
        const r = created.get(key) ?? { ...b, workflowId, status: c.status, count: 0 };
        r.count += sign;
        created.set(key, r);
      }
      const key = `${c.status}|${c.shard.toString().padStart(2, "0")}`;
      const t = totals.get(key) ?? { status: c.status, shard: c.shard, count: 0 };
      t.count += sign;
      totals.set(key, t);
    };
    const b = contribution(workflowId, before);
    const a = contribution(workflowId, after);
    if (b) add(b, -1);
    if (a) add(a, 1);
  }
  const sorted = <T>(m: Map<string, T>, keep: (v: T) => boolean) => [...m.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, v]) => v).filter(keep);
  return {
    daily: sorted(daily, (d) => d.count !== 0 || d.durationSumMs !== 0 || d.histogram.some((n) => n !== 0)),
    created: sorted(created, (r) => r.count !== 0),
    totals: sorted(totals, (t) => t.count !== 0),
  };
}

/**
 * Writes the moves in one statement. Its shape never changes (an empty part is an empty array),
 * so every writer takes the rows of the three tables in the same order: daily, created, totals,
 * each sorted by key. Called after execution_hourly and before the workflow counters.
 */
export async function writeRollups(client: Pick<pg.ClientBase, "query">, orgId: string, d: RollupDeltas): Promise<void> {
  if (!d.daily.length && !d.created.length && !d.totals.length) return;
  await client.query(
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
    [orgId, JSON.stringify(d.daily), JSON.stringify(d.created), JSON.stringify(d.totals)],
  );
}

// bucket i of a histogram from rows grouped by width_bucket (bucketOf's SQL twin, as in recountHourly)
const HISTOGRAM_FROM_BUCKETS = Array.from({ length: BUCKET_COUNT }, (_, i) => `coalesce(sum(c.n) FILTER (WHERE c.bucket = ${i}), 0)::int`).join(", ");

const TERMINAL_SQL = TERMINAL_STATUSES.map((s) => `'${s}'`).join(", ");

/**
 * Rebuilds the three aggregates of one organization (null: all) from the executions, for the
 * generator and `runwatch repair`. The caller holds execution_hourly steady (repair locks it);
 * the tables are locked here the way repair locks execution_hourly.
 */
export async function rebuildRollups(client: Pick<pg.ClientBase, "query">, orgId: string | null): Promise<void> {
  for (const t of ["execution_daily", "execution_created_rollup", "org_execution_totals"]) {
    await client.query(`LOCK TABLE ${t} IN SHARE ROW EXCLUSIVE MODE`);
    await client.query(`DELETE FROM ${t} WHERE $1::uuid IS NULL OR "orgId" = $1::uuid`, [orgId]);
  }
  await client.query(
    `INSERT INTO execution_daily ("orgId", "workflowId", day, status, count, "durationSumMs", histogram)
     SELECT c."orgId", c."workflowId", c.day, c.status, sum(c.n)::int, sum(c.sum)::bigint, ARRAY[${HISTOGRAM_FROM_BUCKETS}]
       FROM (SELECT e."orgId", e."workflowId", date_trunc('day', e."completedAt", 'UTC') AS day, e.status,
                    width_bucket(e."durationMs", $2::bigint[]) AS bucket, count(*)::int AS n, sum(e."durationMs") AS sum
               FROM executions e
              WHERE e.status IN (${TERMINAL_SQL}) AND e."completedAt" IS NOT NULL AND e."durationMs" IS NOT NULL
                AND ($1::uuid IS NULL OR e."orgId" = $1::uuid)
              GROUP BY 1, 2, 3, 4, 5) c
      GROUP BY 1, 2, 3, 4`,
    [orgId, BUCKET_UPPER_MS],
  );
  await client.query(
    `INSERT INTO execution_created_rollup ("orgId", "grainHours", bucket, "workflowId", status, count)
     SELECT e."orgId", g.hours, date_trunc(CASE g.hours WHEN 1 THEN 'hour' ELSE 'day' END, e."createdAt", 'UTC'), e."workflowId", e.status, count(*)::int
       FROM executions e, (VALUES (1::smallint), (24::smallint)) AS g(hours)
      WHERE e.status IN (${TERMINAL_SQL}) AND ($1::uuid IS NULL OR e."orgId" = $1::uuid)
      GROUP BY 1, 2, 3, 4, 5`,
    [orgId],
  );
  await client.query(
    `INSERT INTO org_execution_totals ("orgId", status, shard, count)
     SELECT e."orgId", e.status, (e."workflowId" % ${TOTAL_SHARDS})::smallint, count(*)
       FROM executions e
      WHERE e.status IN (${TERMINAL_SQL}) AND ($1::uuid IS NULL OR e."orgId" = $1::uuid)
      GROUP BY 1, 2, 3`,
    [orgId],
  );
}
