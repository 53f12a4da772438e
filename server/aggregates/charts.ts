// Chart data: executions over time stacked by status, failure rate, and p50/p95 duration per
// bucket. Terminal executions come from the hourly aggregate (by the hour they finished), or for
// ranges longer than DAILY_CHART_AFTER_MS from the daily rollup in whole-day buckets, in one
// pass; the active ones from the active-executions partial index (by the hour they were
// created): no query here reads terminal rows of the executions table.
import { z } from "zod";
import type { ReadContext } from "../context";
import { replicaFor } from "../db/client";
import { ACTIVE_STATUSES, STATUSES, type Status } from "../executions/status";
import { quantileFromHistogram } from "../metrics/histogram";
import { chartActiveRows, chartTerminalRows, type ChartQueryInput } from "./queries";
import { chooseBucketMs, DAY_MS, FAILURE_RATE_MIN_FINISHED, failureRate, fillSeries, HOUR_MS, MAX_POINTS } from "./buckets";
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

const isActive = (s: Status) => (ACTIVE_STATUSES as readonly Status[]).includes(s);

export function emptyStatusCounts(): StatusCounts {
  return Object.fromEntries(STATUSES.map((s) => [s, 0])) as StatusCounts;
}

/**
 * Ranges longer than this are drawn in whole days from the daily rollup: a 30-day chart reads
 * about 24 times fewer rows than from the hourly one. A week (the 7 d preset) stays hourly.
 */
export const DAILY_CHART_AFTER_MS = 8 * DAY_MS;

/** Chart series for the range (aligned to the aggregate's grain: hours, or days), ≤ maxPoints per series. */
export async function getExecutionCharts(ctx: ReadContext, input: ChartInput, now = new Date()): Promise<ChartOutput> {
  const parsed = chartInputSchema.parse(input);
  const to = parsed.to ?? now;
  const daily = to.getTime() - parsed.from.getTime() > DAILY_CHART_AFTER_MS;
  const grainMs = daily ? DAY_MS : HOUR_MS;
  const from = new Date(Math.floor(parsed.from.getTime() / grainMs) * grainMs);
  const bucketMs = chooseBucketMs(from.getTime(), to.getTime(), parsed.maxPoints, grainMs);

  // the list's status and stuck filters: stuck executions are active, so no terminal series then
  const statuses = parsed.statuses;
  const noTerminal = parsed.stuck || (statuses !== null && !statuses.some((s) => !isActive(s)));
  const noActive = statuses !== null && !statuses.some(isActive);
  const q: ChartQueryInput = {
    orgId: ctx.orgId,
    from,
    to,
    bucketMs,
    daily,
    workflows: parsed.workflows.length ? parsed.workflows : null,
    statuses,
    stuckOnly: parsed.stuck,
  };
  const db = replicaFor(ctx);
  const [terminal, active] = await Promise.all([noTerminal ? [] : chartTerminalRows(db, q), noActive ? [] : chartActiveRows(db, q)]);

  type Acc = { counts: StatusCounts; durationSum: number; terminal: number; hist: number[] | null };
  const byIndex = new Map<number, Acc>();
  const acc = (i: number) => {
    let a = byIndex.get(i);
    if (!a) byIndex.set(i, (a = { counts: emptyStatusCounts(), durationSum: 0, terminal: 0, hist: null }));
    return a;
  };
  for (const r of terminal) {
    const a = acc(r.b);
    a.counts[r.status] += r.n;
    a.terminal += r.n;
    a.durationSum += r.durationSum;
    // one histogram per bucket: the sum over its statuses
    const hist = r.hist;
    a.hist = a.hist ? a.hist.map((v, i) => v + hist[i]!) : hist;
  }
  const activeTotals = { PENDING: 0, SCHEDULED: 0, RUNNING: 0, WAITING: 0, stuck: 0 };
  for (const r of active) {
    acc(r.b).counts[r.status] += r.n;
    activeTotals[r.status as (typeof ACTIVE_STATUSES)[number]] += r.n;
    activeTotals.stuck += r.stuck;
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
