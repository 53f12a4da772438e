// Workflows: the overview, one workflow's summary, chart and schedule slots, and its settings:
// stuck thresholds and schedule (ADMIN+, audited with the values before and after).
import { z } from "zod";
import { chartOutputSchema } from "../aggregates/charts";
import { RANGE_PRESETS, PRESET_MS } from "../executions/filters";
import { getWorkflowCharts, getWorkflowSummary, listWorkflowSummaries, workflowsOverviewOutputSchema, workflowSummarySchema } from "../workflows/summary";
import { NotFoundError } from "../errors";
import { updateWorkflow, workflowPatchSchema } from "../workflows/service";
import { getWorkflowSlots, workflowSlotsOutputSchema } from "../workflows/slots";
import { createTRPCRouter, serviceContext, permissionProcedure } from "../trpc";

const key = z.string().min(1).max(200);

export const thresholdsPatchSchema = workflowPatchSchema;

export const workflowsRouter = createTRPCRouter({
  list: permissionProcedure("executions:read")
    .output(workflowsOverviewOutputSchema)
    .query(({ ctx }) => listWorkflowSummaries(serviceContext(ctx))),

  get: permissionProcedure("executions:read")
    .input(z.object({ key }))
    .output(workflowSummarySchema)
    .query(async ({ ctx, input }) => {
      const summary = await getWorkflowSummary(serviceContext(ctx), { key: input.key });
      if (!summary) throw new NotFoundError(`workflow "${input.key}" not found`);
      return summary;
    }),

  charts: permissionProcedure("executions:read")
    .input(z.object({ key, range: z.enum(RANGE_PRESETS).default("7d") }))
    .output(chartOutputSchema)
    .query(async ({ ctx, input }) => {
      const now = new Date();
      const charts = await getWorkflowCharts(serviceContext(ctx), { key: input.key, from: new Date(now.getTime() - PRESET_MS[input.range]) }, now);
      if (!charts) throw new NotFoundError(`workflow "${input.key}" not found`);
      return charts;
    }),

  /** The next slots and the strip of recent ones (ran, late, missed) of its schedule. */
  slots: permissionProcedure("executions:read")
    .input(z.object({ key }))
    .output(workflowSlotsOutputSchema)
    .query(async ({ ctx, input }) => {
      const slots = await getWorkflowSlots(serviceContext(ctx), input);
      if (!slots) throw new NotFoundError(`workflow "${input.key}" not found`);
      return slots;
    }),

  /**
   * The workflow's settings, the PATCH body of the API: stuck thresholds in seconds (null goes
   * back to the organization's default) and the schedule (null removes it).
   */
  updateThresholds: permissionProcedure("thresholds:manage")
    .meta({ audit: { action: "workflow.update", resourceType: "workflow", resourceIdFrom: "key" } })
    .input(z.object({ key, patch: workflowPatchSchema }))
    .output(workflowSummarySchema)
    .mutation(async ({ ctx, input }) => {
      const changed = await updateWorkflow(serviceContext(ctx), input);
      if (!changed) throw new NotFoundError(`workflow "${input.key}" not found`);
      const summary = await getWorkflowSummary(serviceContext(ctx), { key: input.key });
      if (!summary) throw new NotFoundError(`workflow "${input.key}" not found`);
      return summary;
    }),
});
