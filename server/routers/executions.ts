import { z } from "zod";
import { cancelExecution, markExecutionFailed, operateReasonSchema } from "../executions/operate";
import { STATUSES } from "../executions/status";
import { createTRPCRouter, permissionProcedure } from "../trpc";

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

export const executionsRouter = createTRPCRouter({
  cancel: permissionProcedure("executions:operate")
    .meta(operateAudit("execution.cancel"))
    .input(operateInput)
    .output(operateOutput)
    .mutation(({ ctx, input }) =>
      cancelExecution({ orgId: ctx.org.id, actor: ctx.actor, ip: ctx.ip, userAgent: ctx.userAgent }, input.executionId, input.reason),
    ),

  markFailed: permissionProcedure("executions:operate")
    .meta(operateAudit("execution.mark_failed"))
    .input(operateInput)
    .output(operateOutput)
    .mutation(({ ctx, input }) =>
      markExecutionFailed({ orgId: ctx.org.id, actor: ctx.actor, ip: ctx.ip, userAgent: ctx.userAgent }, input.executionId, input.reason),
    ),
});
