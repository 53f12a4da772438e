// The list's counts: the total of the filters (exact from the aggregates where they can answer,
// else capped) and the "N new" count of arrivals after the list's snapshot. Here, beside the
// aggregates, and not in server/executions/list.ts: the aggregates build on the executions
// capability (its filters, its stuck rule, its capped count), so executions must not import them.
import { z } from "zod";
import type { ReadContext } from "../context";
import { countExecutionsCapped } from "../executions/read";
import { canCountExactly, type ExecutionFilter } from "../executions/filters";
import { COUNT_CAP } from "../paging/limits";
import { formatCappedCount } from "./capped-count";
import { exactCounts } from "./exact-counts";

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
  const filter = input.filter ?? {};
  if (canCountExactly(filter)) {
    const { total } = await exactCounts(ctx.orgId, filter);
    return { count: total, capped: false, display: formatCappedCount(total, false) };
  }
  const { count, capped } = await countExecutionsCapped(ctx, filter, { cap: COUNT_CAP });
  return { count, capped, display: formatCappedCount(count, capped) };
}

export const countNewExecutionsInputSchema = z.object({
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
  const { filter, snapshotId } = countNewExecutionsInputSchema.parse(input);
  const { count, capped } = await countExecutionsCapped(ctx, filter, { cap: COUNT_CAP, afterId: snapshotId });
  return { count, capped, display: formatCappedCount(count, capped) };
}
