import { z } from "zod";
import { latestExecutions } from "../executions/latest";
import { cancelExecution, markExecutionFailed, operateReasonSchema } from "../executions/operate";
import { STATUSES } from "../executions/status";
import { createTRPCRouter, permissionProcedure } from "../trpc";

export const latestInput = z.object({
  limit: z.number().int().min(1).max(100).default(50),
});

export const latestExecutionSchema = z.object({
  executionId: z.string(),
  workflowKey: z.string(),
  status: z.enum(STATUSES),
  attempt: z.number().int(),
  createdAt: z.date(),
  completedAt: z.date().nullable(),
  durationMs: z.number().nullable(),
});

export const latestOutput = z.object({ items: z.array(latestExecutionSchema) });

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
  latest: permissionProcedure("executions:read")
    .input(latestInput)
    .output(latestOutput)
    // the slug is the one orgProcedure resolved for this caller, never an unchecked input
    .query(async ({ ctx, input }) => ({ items: await latestExecutions({ orgSlug: ctx.org.slug, limit: input.limit }) })),

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
