// Chart data: executions over time stacked by status, failure rate, and p50/p95 duration per
// bucket. Terminal executions come from the hourly aggregate (by the hour they finished), or for
// ranges longer than DAILY_CHART_AFTER_MS from the daily rollup in whole-day buckets, in one
// pass; the active ones from the active-executions partial index (by the hour they were
// created): no query here reads terminal rows of the executions table.
import { z } from "zod";
import { readPool } from "../db/client";
import { STUCK_REASON_SQL } from "../executions/read";
import { ACTIVE_STATUSES, STATUSES, type Status } from "../executions/status";
import { BUCKET_COUNT, quantileFromHistogram } from "../metrics/histogram";
import { BUCKET_ORIGIN_MS, chooseBucketMs, DAY_MS, FAILURE_RATE_MIN_FINISHED, failureRate, fillSeries, HOUR_MS, MAX_POINTS } from "./buckets";
import { MAX_WORKFLOWS_IN_FILTER } from "../executions/filters";

export const chartInputSchema = z
  .object({
    from: z.date(),
    /** default: now */
    to: z.date().optional(),
    workflows: z.array(z.string().min(1).max(200)).max(MAX_WORKFLOWS_IN_FILTER).default([]),
    /** the statuses the list's filter admits (null: any), as effectiveStatuses() gives them */
    statuses: z.array(z.enum(STATUSES)).nullable().default(null),
    /** only stuck executions: the chart then shows the active (stuck) ones alone */
    stuck: z.boolean().default(false),
    maxPoints: z.number().int().min(1).max(MAX_POINTS).default(MAX_POINTS),
  })
  .refine((i) => !i.to || i.from < i.to, { message: "from must be before to", path: ["to"] });
export type ChartInput = z.input<typeof chartInputSchema>;

const statusCountsSchema = z.object(Object.fromEntries(STATUSES.map((s) => [s, z.number().int()])) as Record<Status, z.ZodNumber>);
export type StatusCounts = Record<Status, number>;

export const chartPointSchema = z.object({
  start: z.date(),
  end: z.date(),
  /** terminal statuses by the hour they finished; active ones by the hour they were created */
  counts: statusCountsSchema,
  total: z.number().int(),
  /** (failed + timed out) / (completed + failed + timed out); null when nothing finished */
  failureRate: z.number().nullable(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  avgMs: z.number().nullable(),
});
export type ChartPoint = z.infer<typeof chartPointSchema>;

export const chartOutputSchema = z.object({
  from: z.date(),
  to: z.date(),
  bucketMs: z.number().int(),
  points: z.array(chartPointSchema),
  /** the current picture: active executions created in the range, and how many are stuck */
  active: z.object({ PENDING: z.number().int(), SCHEDULED: z.number().int(), RUNNING: z.number().int(), WAITING: z.number().int(), stuck: z.number().int() }),
  empty: z.boolean(),
  /** buckets with fewer finished runs than this show no failure rate */
  failureRateMinFinished: z.number().int(),
});
export type ChartOutput = z.infer<typeof chartOutputSchema>;

export function emptyStatusCounts(): StatusCounts {
  return Object.fromEntries(STATUSES.map((s) => [s, 0])) as StatusCounts;
}

// floor((t − origin) / size), the same index as bucketIndex() in buckets.ts
const bucketIndexSql = (column: string, sizeParam: string) =>
  `floor((extract(epoch from ${column}) * 1000 - ${BUCKET_ORIGIN_MS}) / ${sizeParam}::float8)::bigint`;

const HISTOGRAM_SUMS = Array.from({ length: BUCKET_COUNT }, (_, i) => `COALESCE(sum(h.histogram[${i + 1}]), 0)::bigint`).join(", ");

/**
 * Ranges longer than this are drawn in whole days from the daily rollup: a 30-day chart reads
 * about 24 times fewer rows than from the hourly one. A week (the 7 d preset) stays hourly.
 */
export const DAILY_CHART_AFTER_MS = 8 * DAY_MS;

/** Chart series for the range (aligned to the aggregate's grain: hours, or days), ≤ maxPoints per series. */
export async function getExecutionCharts(orgId: string, input: ChartInput, now = new Date()): Promise<ChartOutput> {
  const parsed = chartInputSchema.parse(input);
  const to = parsed.to ?? now;
  const daily = to.getTime() - parsed.from.getTime() > DAILY_CHART_AFTER_MS;
  const grainMs = daily ? DAY_MS : HOUR_MS;
  const from = new Date(Math.floor(parsed.from.getTime() / grainMs) * grainMs);
  const bucketMs = chooseBucketMs(from.getTime(), to.getTime(), parsed.maxPoints, grainMs);
  const table = daily ? "execution_daily" : "execution_hourly";
  const timeColumn = daily ? "h.day" : "h.hour";

  let workflowIds: string[] | null = null;
  if (parsed.workflows.length) {
    const { rows } = await readPool().query<{ id: string }>(`SELECT id FROM workflows WHERE "orgId" = $1 AND key = ANY($2::text[])`, [orgId, parsed.workflows]);
    workflowIds = rows.map((r) => r.id);
  }
  const noWorkflow = workflowIds !== null && workflowIds.length === 0;
  const values: unknown[] = [orgId, from, to, bucketMs];
  const param = (v: unknown) => (values.push(v), `$${values.length}`);
  const wfParam = workflowIds ? param(workflowIds) : null;
  const wfHourly = wfParam ? `AND h."workflowId" = ANY(${wfParam}::bigint[])` : "";
  const wfExec = wfParam ? `AND e."workflowId" = ANY(${wfParam}::bigint[])` : "";
  // the list's status and stuck filters: stuck executions are active, so no terminal series then
  const statuses = parsed.statuses;
  const noTerminal = parsed.stuck || (statuses !== null && !statuses.some((s) => !ACTIVE_STATUSES.includes(s as (typeof ACTIVE_STATUSES)[number])));
  const stParam = statuses ? param(statuses) : null;
  const stHourly = stParam ? `AND h.status::text = ANY(${stParam}::text[])` : "";
  const stExec = stParam ? `AND e.status::text = ANY(${stParam}::text[])` : "";
  const stuckExec = parsed.stuck ? `AND (${STUCK_REASON_SQL}) IS NOT NULL` : "";
  const noActive = statuses !== null && !statuses.some((s) => ACTIVE_STATUSES.includes(s as (typeof ACTIVE_STATUSES)[number]));

  type TerminalRow = { b: string; status: Status; n: string; durationSum: string; hist: string[] };
  type ActiveRow = { b: string; status: Status; n: string; stuck: string };
  const [terminal, active] = noWorkflow
    ? [[], []]
    : await Promise.all([
        noTerminal ? Promise.resolve([] as TerminalRow[]) : readPool()
          .query<TerminalRow>(
            `SELECT ${bucketIndexSql(timeColumn, "$4")} AS b, h.status, sum(h.count)::bigint AS n, sum(h."durationSumMs")::bigint AS "durationSum",
                    ARRAY[${HISTOGRAM_SUMS}] AS hist
               FROM ${table} h
              WHERE h."orgId" = $1 AND ${timeColumn} >= $2 AND ${timeColumn} < $3 ${wfHourly} ${stHourly}
              GROUP BY 1, 2`,
            values,
          )
          .then((r) => r.rows),
        noActive ? Promise.resolve([] as ActiveRow[]) : readPool()
          .query<ActiveRow>(
            `SELECT ${bucketIndexSql(`e."createdAt"`, "$4")} AS b, e.status, count(*)::bigint AS n,
                    count(*) FILTER (WHERE (${STUCK_REASON_SQL}) IS NOT NULL)::bigint AS stuck
               FROM executions e
               JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
               JOIN organizations o ON o.id = e."orgId"
              WHERE e."orgId" = $1 AND e.status IN ('PENDING', 'SCHEDULED', 'RUNNING', 'WAITING')
                AND e."createdAt" >= $2 AND e."createdAt" < $3 ${wfExec} ${stExec} ${stuckExec}
              GROUP BY 1, 2`,
            values,
          )
          .then((r) => r.rows),
      ]);

  type Acc = { counts: StatusCounts; durationSum: number; terminal: number; hist: number[] | null };
  const byIndex = new Map<number, Acc>();
  const acc = (b: string) => {
    const i = Number(b);
    let a = byIndex.get(i);
    if (!a) byIndex.set(i, (a = { counts: emptyStatusCounts(), durationSum: 0, terminal: 0, hist: null }));
    return a;
  };
  for (const r of terminal) {
    const a = acc(r.b);
    a.counts[r.status] += Number(r.n);
    a.terminal += Number(r.n);
    a.durationSum += Number(r.durationSum);
    // one histogram per bucket: the sum over its statuses
    const hist = r.hist.map(Number);
    a.hist = a.hist ? a.hist.map((v, i) => v + hist[i]!) : hist;
  }
  const activeTotals = { PENDING: 0, SCHEDULED: 0, RUNNING: 0, WAITING: 0, stuck: 0 };
  for (const r of active) {
    acc(r.b).counts[r.status] += Number(r.n);
    activeTotals[r.status as (typeof ACTIVE_STATUSES)[number]] += Number(r.n);
    activeTotals.stuck += Number(r.stuck);
  }

  const series = fillSeries(from.getTime(), to.getTime(), bucketMs, byIndex, () => ({ counts: emptyStatusCounts(), durationSum: 0, terminal: 0, hist: null }) as Acc);
  const points: ChartPoint[] = series.map(({ start, value: a }) => {
    const failures = a.counts.FAILED + a.counts.TIMED_OUT;
    return {
      start: new Date(start),
      end: new Date(start + bucketMs),
      counts: a.counts,
      total: STATUSES.reduce((sum, s) => sum + a.counts[s], 0),
      failureRate: failureRate(failures, a.counts.COMPLETED, FAILURE_RATE_MIN_FINISHED),
      p50Ms: a.hist ? quantileFromHistogram(a.hist, 0.5) : null,
      p95Ms: a.hist ? quantileFromHistogram(a.hist, 0.95) : null,
      avgMs: a.terminal ? Math.round(a.durationSum / a.terminal) : null,
    };
  });
  return { from, to, bucketMs, points, active: activeTotals, empty: points.every((p) => p.total === 0), failureRateMinFinished: FAILURE_RATE_MIN_FINISHED };
}
