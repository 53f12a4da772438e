// The counters above the list: total, per status, stuck and the success rate for the current
// filters and range, all over the list's own rows (executions created in the range), so the
// heading's total is the list's. Two ways, and the output says which one answered:
// - "aggregates": any filter but an id or metadata search, any range. Exact, from the running
//   totals, the created-at rollup and the active set (./exact-counts.ts); the cost depends on
//   the organization's active set and the range's days and hours, never on history.
// - "executions": an id or metadata search. Every counter is a capped count over the list's
//   query, exact up to 10,000 and then "10,000+".
// The list's own counts (its total, and "N new" since its snapshot) are here too, so every count
// of executions is in one place.
import { z } from "zod";
import type { ReadContext } from "../context";
import { countExecutionsCapped } from "../executions/read";
import { COUNT_CAP } from "../paging/limits";
import type { Status } from "../executions/status";
import { exactCounts } from "./exact-counts";
import { canCountExactly, type ExecutionFilter } from "../executions/filters";
import { formatCappedCount } from "./capped-count";

export const cappedCountSchema = z.object({
  count: z.number().int(),
  /** true: there are more than `count`; show "10,000+" */
  capped: z.boolean(),
  display: z.string(),
});
export type CappedCount = z.infer<typeof cappedCountSchema>;

/** the resolved filter (filterOfQuery); none: every execution */
export type CountExecutionsInput = { filter?: ExecutionFilter };

/**
 * Executions matching the filters: exact from the aggregates (./exact-counts.ts) unless an id or
 * metadata search is set; those are exact up to 10,000, then "10,000+".
 */
export async function countExecutions(ctx: ReadContext, input: CountExecutionsInput): Promise<CappedCount> {
  const filters = input.filter ?? {};
  if (canCountExactly(filters)) {
    // the total alone: no stuck rule to judge, unless the filter is "stuck"
    const { total } = await exactCounts(ctx, filters, { stuck: false });
    return { count: total, capped: false, display: formatCappedCount(total, false) };
  }
  const { count, capped } = await countExecutionsCapped(ctx, filters, { cap: COUNT_CAP });
  return { count, capped, display: formatCappedCount(count, capped) };
}

export const countNewExecutionsInputSchema = z.object({
  /** the resolved filter (filterOfQuery); none: every execution */
  filter: z.custom<ExecutionFilter>().default({}),
  /** the snapshotId of the list being shown */
  snapshotId: z.string().regex(/^\d{1,19}$/, "snapshotId must be the snapshotId of a list page"),
});
export type CountNewExecutionsInput = z.input<typeof countNewExecutionsInputSchema>;

/**
 * "N new — show": executions matching the filters that arrived after the list's snapshot. Counted
 * by arrival (id), not by createdAt, so a late report of an old execution is counted too.
 */
export async function countNewExecutions(ctx: ReadContext, input: CountNewExecutionsInput): Promise<CappedCount> {
  const { filter: filters, snapshotId } = countNewExecutionsInputSchema.parse(input);
  const { count, capped } = await countExecutionsCapped(ctx, filters, { cap: COUNT_CAP, afterId: snapshotId });
  return { count, capped, display: formatCappedCount(count, capped) };
}

export const countersInputSchema = z.object({
  /** the resolved filter (filterOfQuery); none: every execution */
  filter: z.custom<ExecutionFilter>().default({}),
});
export type CountersInput = z.input<typeof countersInputSchema>;

export const countersOutputSchema = z.object({
  source: z.enum(["aggregates", "executions"]),
  /** what the numbers count, in words, for a tooltip */
  basis: z.string(),
  total: cappedCountSchema,
  completed: cappedCountSchema,
  failed: cappedCountSchema,
  cancelled: cappedCountSchema,
  timedOut: cappedCountSchema,
  continuedAsNew: cappedCountSchema,
  pending: cappedCountSchema,
  scheduled: cappedCountSchema,
  running: cappedCountSchema,
  waiting: cappedCountSchema,
  stuck: cappedCountSchema,
  /** completed / (completed + failed + timed out); null when none finished or a count is capped */
  successRate: z.number().nullable(),
});
export type CountersOutput = z.infer<typeof countersOutputSchema>;

const COUNTER_STATUS = {
  completed: "COMPLETED",
  failed: "FAILED",
  cancelled: "CANCELLED",
  timedOut: "TIMED_OUT",
  continuedAsNew: "CONTINUED_AS_NEW",
  pending: "PENDING",
  scheduled: "SCHEDULED",
  running: "RUNNING",
  waiting: "WAITING",
} as const satisfies Record<string, Status>;
type StatusCounter = keyof typeof COUNTER_STATUS;

const exact = (n: number): CappedCount => ({ count: n, capped: false, display: formatCappedCount(n, false) });

export function successRate(completed: CappedCount, failed: CappedCount, timedOut: CappedCount): number | null {
  if (completed.capped || failed.capped || timedOut.capped) return null;
  const finished = completed.count + failed.count + timedOut.count;
  return finished === 0 ? null : completed.count / finished;
}

export async function getCounters(ctx: ReadContext, input: CountersInput): Promise<CountersOutput> {
  const { filter: filters } = countersInputSchema.parse(input);
  return canCountExactly(filters) ? countersFromAggregates(ctx, filters) : countersFromExecutions(ctx.orgId, filters);
}

async function countersFromAggregates(ctx: ReadContext, f: ExecutionFilter): Promise<CountersOutput> {
  const { by, total, stuck } = await exactCounts(ctx, f);
  const counters = Object.fromEntries(Object.entries(COUNTER_STATUS).map(([k, s]) => [k, exact(by[s])])) as Record<StatusCounter, CappedCount>;
  return {
    source: "aggregates",
    basis: "executions matching the filters, created in the range, by their current status; exact",
    total: exact(total),
    ...counters,
    stuck: exact(stuck),
    successRate: successRate(counters.completed, counters.failed, counters.timedOut),
  };
}

async function countersFromExecutions(orgId: string, f: ExecutionFilter): Promise<CountersOutput> {
  const base = f;
  const admitted = base.statuses ?? null;
  const count = async (status: Status | null, stuck?: true): Promise<CappedCount> => {
    let statuses = admitted;
    if (status) statuses = (admitted ?? [status]).filter((s) => s === status);
    const { count: n, capped } = await countExecutionsCapped({ orgId }, { ...base, statuses, stuck: stuck ?? base.stuck }, { cap: COUNT_CAP });
    return { count: n, capped, display: formatCappedCount(n, capped) };
  };
  const entries = Object.entries(COUNTER_STATUS) as [StatusCounter, Status][];
  const [total, stuck, ...perStatus] = await Promise.all([count(null), count(null, true), ...entries.map(([, s]) => count(s))]);
  const counters = Object.fromEntries(entries.map(([k], i) => [k, perStatus[i]!])) as Record<StatusCounter, CappedCount>;
  return {
    source: "executions",
    basis: "executions matching the filters, created in the range; exact up to 10,000",
    total: total!,
    ...counters,
    stuck: stuck!,
    successRate: successRate(counters.completed, counters.failed, counters.timedOut),
  };
}
