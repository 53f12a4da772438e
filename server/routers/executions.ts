import { z } from "zod";
import { toListFilter } from "../dashboard/list";
import { bulkJobSchema, bulkTargetSchema, requireBulkJob, startBulkJob, type BulkAction, type BulkTarget } from "../operations/bulk";
import { cancelExecution, markExecutionFailed, operateReasonSchema } from "../operations/operate";
import { STATUSES } from "../executions/status";
import { createTRPCRouter, permissionProcedure, serviceContext, type OrgContext } from "../trpc";
import { filtersOfQuery } from "./dashboard";

export const operateInput = z.object({
  executionId: z.string().min(1).max(200),
  reason: operateReasonSchema,
});

export const operateOutput = z.object({
  executionId: z.string(),
  status: z.enum(STATUSES),
  previousStatus: z.enum(STATUSES),
});

const operateAudit = (action: string) => ({ audit: { action, resourceType: "execution", resourceIdFrom: "executionId" } });

/** chosen ids, or "all matching" the list's filter query; the reason goes to the audit log */
export const bulkInput = z.object({ target: bulkTargetSchema, reason: operateReasonSchema });

/** The shared body of the four bulk procedures (each guarded by its own permission). */
export function startBulk(ctx: OrgContext, action: BulkAction, input: { target: BulkTarget; reason: string }) {
  const filter = input.target.kind === "filter" ? toListFilter(filtersOfQuery(input.target.query, new Date())) : null;
  return startBulkJob(serviceContext(ctx), { action, target: input.target, filter, reason: input.reason });
}

const bulkAudit = (action: string) => ({ audit: { action, resourceType: "bulk_job" } });

export const executionsRouter = createTRPCRouter({
  cancel: permissionProcedure("executions:operate")
    .meta(operateAudit("execution.cancel"))
    .input(operateInput)
    .output(operateOutput)
    .mutation(({ ctx, input }) => cancelExecution(serviceContext(ctx), input)),

  markFailed: permissionProcedure("executions:operate")
    .meta(operateAudit("execution.mark_failed"))
    .input(operateInput)
    .output(operateOutput)
    .mutation(({ ctx, input }) => markExecutionFailed(serviceContext(ctx), input)),

  /** Marks many active executions CANCELLED in Runwatch (engines are not told), as a job. */
  bulkCancel: permissionProcedure("executions:operate")
    .meta(bulkAudit("execution.bulk_cancel"))
    .input(bulkInput)
    .output(bulkJobSchema)
    .mutation(({ ctx, input }) => startBulk(ctx, "cancel", input)),

  bulkMarkFailed: permissionProcedure("executions:operate")
    .meta(bulkAudit("execution.bulk_mark_failed"))
    .input(bulkInput)
    .output(bulkJobSchema)
    .mutation(({ ctx, input }) => startBulk(ctx, "markFailed", input)),

  /** A bulk job's progress (polled by the page while it runs). */
  bulkJob: permissionProcedure("executions:read")
    .input(z.object({ jobId: z.string().min(1).max(20) }))
    .output(bulkJobSchema)
    .query(({ ctx, input }) => requireBulkJob(serviceContext(ctx), input)),
});
