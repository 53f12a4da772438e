// The workflows overview: each workflow's counters (kept by ingestion, so no recount), last run,
// stuck now (from the active-executions partial index), and its effective thresholds. A
// workflow's chart is getExecutionCharts with that workflow.
import { z } from "zod";
import type { ReadContext } from "../context";
import { replicaFor } from "../db/client";
import { readSchedule, scheduleOutputSchema } from "./schedule";
import { getExecutionCharts, type ChartInput, type ChartOutput } from "../aggregates/charts";
import { workflowKeyExists, workflowSummaryRow, workflowSummaryRows, type WorkflowSummaryRow } from "./queries";

export const MAX_WORKFLOWS_LISTED = 1000;

export const workflowSummarySchema = z.object({
  key: z.string(),
  name: z.string(),
  executions: z.number().int(),
  successes: z.number().int(),
  failures: z.number().int(),
  cancelled: z.number().int(),
  /** successes / (successes + failures); null before anything finished */
  successRate: z.number().nullable(),
  lastRunAt: z.date().nullable(),
  stuckNow: z.number().int(),
  activeNow: z.number().int(),
  stuckScheduledAfterSeconds: z.number().int(),
  stuckRunningAfterSeconds: z.number().int(),
  /** whether the thresholds are the workflow's own or the organization's defaults */
  thresholdsOverridden: z.boolean(),
  /** when executions are expected, or null */
  schedule: scheduleOutputSchema,
  /** the open missed-run alert, if any: its first missed slot and how many in a row */
  missedAlert: z.object({ id: z.string(), slot: z.string().nullable(), count: z.number().int() }).nullable(),
});
export type WorkflowSummary = z.infer<typeof workflowSummarySchema>;

export const workflowsOverviewOutputSchema = z.object({ items: z.array(workflowSummarySchema), truncated: z.boolean() });

function toSummary(r: WorkflowSummaryRow): WorkflowSummary {
  const finished = r.successCount + r.failureCount;
  return {
    key: r.key,
    name: r.name,
    executions: r.executionCount,
    successes: r.successCount,
    failures: r.failureCount,
    cancelled: r.cancelledCount,
    successRate: finished ? r.successCount / finished : null,
    lastRunAt: r.lastExecutionAt,
    stuckNow: r.stuckNow,
    activeNow: r.activeNow,
    stuckScheduledAfterSeconds: r.sched,
    stuckRunningAfterSeconds: r.run,
    thresholdsOverridden: r.overridden,
    schedule: readSchedule(r.schedule),
    missedAlert: r.missedId ? { id: r.missedId, slot: r.missedDetails?.slot ?? null, count: r.missedDetails?.count ?? 1 } : null,
  };
}

/** Every workflow of the organization, most recently run first. */
export async function listWorkflowSummaries(ctx: ReadContext): Promise<z.infer<typeof workflowsOverviewOutputSchema>> {
  const rows = await workflowSummaryRows(replicaFor(ctx), ctx.orgId, MAX_WORKFLOWS_LISTED + 1);
  return { items: rows.slice(0, MAX_WORKFLOWS_LISTED).map(toSummary), truncated: rows.length > MAX_WORKFLOWS_LISTED };
}

export const workflowDetailInputSchema = z.object({ key: z.string().min(1).max(200) });

/** One workflow's summary, or null when it is unknown here. */
export async function getWorkflowSummary(ctx: ReadContext, input: z.input<typeof workflowDetailInputSchema>): Promise<WorkflowSummary | null> {
  const { key } = workflowDetailInputSchema.parse(input);
  const row = await workflowSummaryRow(replicaFor(ctx), ctx.orgId, key);
  return row ? toSummary(row) : null;
}

/** A workflow's chart; null when the workflow is unknown here. */
export async function getWorkflowCharts(
  ctx: ReadContext,
  input: { key: string } & Omit<ChartInput, "workflows">,
  now = new Date(),
): Promise<ChartOutput | null> {
  const { key, ...range } = input;
  if (!(await workflowKeyExists(replicaFor(ctx), ctx.orgId, key))) return null;
  return getExecutionCharts(ctx, { ...range, workflows: [key] }, now);
}
