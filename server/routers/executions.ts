import { z } from "zod";
import { latestExecutions } from "../executions/latest";
import { STATUSES } from "../executions/status";
import { createTRPCRouter, publicProcedure } from "../trpc";

export const DEMO_ORG_SLUG = "demo";

export const latestInput = z
  .object({
    limit: z.number().int().min(1).max(100).default(50),
    orgSlug: z.string().min(1).max(100).default(DEMO_ORG_SLUG),
  })
  .default({ limit: 50, orgSlug: DEMO_ORG_SLUG });

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

export const executionsRouter = createTRPCRouter({
  // Public until sign-in lands; it then moves to orgProcedure with "executions:read", and the
  // slug must come from the caller's membership rather than from the input.
  latest: publicProcedure
    .input(latestInput)
    .output(latestOutput)
    .query(async ({ input }) => ({ items: await latestExecutions({ orgSlug: input.orgSlug, limit: input.limit }) })),
});
