// One execution for the detail page: header and times, lifecycle stages, every event received
// (with outcome and reason), error, input and output, the ContinueAsNew chain both ways, parent
// and children, and its audit entries. Everything is read with the organization in the WHERE.
import { z } from "zod";
import type { ReadContext } from "../context";
import { primaryFor } from "../db/client";
import type { Queryable } from "../db/sql";
import { chainLinks, childLinks, executionAuditEntries, executionAuditRow, executionLink, executionLinkRow, executionWithBody } from "./queries";
import { STATUSES } from "./status";
import { readTimeline, timelineItemSchema, type TimelineItem } from "./timeline";
import { executionTimes, lifecycleStages, type TimelineEventInput } from "./stages";

export const MAX_DETAIL_EVENTS = 1000;
export const MAX_CHAIN_STEPS = 100;
export const MAX_CHILDREN = 100;
export const MAX_AUDIT_ENTRIES = 100;

export const executionDetailInputSchema = z.object({ executionId: z.string().min(1).max(200) });

const statusSchema = z.enum(STATUSES);
/** status, workflow and createdAt are null when the linked execution is not known here */
const linkSchema = executionLinkRow;
export type ExecutionLink = z.infer<typeof linkSchema>;

export { timelineItemSchema } from "./timeline";
export type { TimelineItem } from "./timeline";

export const stageSchema = z.object({
  status: statusSchema,
  start: z.date(),
  end: z.date().nullable(),
  durationMs: z.number().nullable(),
  current: z.boolean(),
});

export const auditEntrySchema = executionAuditRow;

export const executionDetailSchema = z.object({
  execution: z.object({
    executionId: z.string(),
    workflow: z.string(),
    status: statusSchema,
    attempt: z.number().int(),
    createdAt: z.date(),
    scheduledAt: z.date().nullable(),
    startedAt: z.date().nullable(),
    lastHeartbeatAt: z.date().nullable(),
    completedAt: z.date().nullable(),
    statusChangedAt: z.date(),
    updatedAt: z.date(),
    durationMs: z.number().nullable(),
    stuckReason: z.enum(["scheduled", "running"]).nullable(),
    stuckSince: z.date().nullable(),
    metadata: z.record(z.string(), z.string()).nullable(),
    error: z.unknown(),
    input: z.unknown(),
    output: z.unknown(),
  }),
  times: z.object({ queueMs: z.number().nullable(), runMs: z.number().nullable(), totalMs: z.number() }),
  stages: z.array(stageSchema),
  /** the timeline as GET /api/v1/executions/{id}/events gives it: compacted heartbeats, repeats, waits */
  events: z.array(timelineItemSchema),
  /** more than MAX_DETAIL_EVENTS items: page on with listExecutionEvents */
  eventsTruncated: z.boolean(),
  chain: z.object({
    /** oldest first, ending with the run this one continued from */
    previous: z.array(linkSchema),
    /** the runs that continued this one, nearest first */
    next: z.array(linkSchema),
    currentExecutionId: z.string(),
    truncated: z.boolean(),
  }),
  parent: linkSchema.nullable(),
  children: z.array(linkSchema),
  childrenTruncated: z.boolean(),
  audit: z.array(auditEntrySchema),
});
export type ExecutionDetail = z.infer<typeof executionDetailSchema>;

/** An execution's timeline by occurredAt, keyset-paged (empty for an unknown execution). */
export async function listExecutionEvents(
  ctx: ReadContext,
  input: { executionId: string; cursor?: string; limit?: number },
): Promise<{ items: TimelineItem[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(input.limit ?? MAX_DETAIL_EVENTS, 1), MAX_DETAIL_EVENTS);
  return (await readTimeline(ctx, { executionId: input.executionId, limit, cursor: input.cursor })) ?? { items: [], nextCursor: null };
}

/** The lifecycle stages read status changes in the order they were applied, which is arrival order. */
function appliedInArrivalOrder(items: TimelineItem[]): TimelineEventInput[] {
  return items
    .filter((i): i is Extract<TimelineItem, { type: "status" }> => i.type === "status")
    .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || Number(BigInt(a.id) - BigInt(b.id)))
    .map((i) => ({ type: "STATUS", occurredAt: i.occurredAt, outcome: i.outcome.toUpperCase() as TimelineEventInput["outcome"], statusBefore: i.statusBefore, statusAfter: i.statusAfter }));
}

async function chainOf(db: Queryable, orgId: string, executionId: string): Promise<{ previous: ExecutionLink[]; next: ExecutionLink[]; truncated: boolean }> {
  const rows = await chainLinks(db, orgId, executionId, MAX_CHAIN_STEPS);
  const strip = ({ executionId: id, status, workflow, createdAt }: ExecutionLink): ExecutionLink => ({ executionId: id, status, workflow, createdAt });
  const prev = rows.filter((r) => r.dir === "prev");
  const next = rows.filter((r) => r.dir === "next");
  const truncated = prev.length > MAX_CHAIN_STEPS || next.length > MAX_CHAIN_STEPS;
  return {
    previous: prev.slice(0, MAX_CHAIN_STEPS).map(strip).reverse(),
    next: next.slice(0, MAX_CHAIN_STEPS).map(strip),
    truncated,
  };
}

/** Null when the execution is unknown here (or another organization's). */
export async function getExecutionDetail(ctx: ReadContext, input: z.input<typeof executionDetailInputSchema>, now = new Date()): Promise<ExecutionDetail | null> {
  const { executionId } = executionDetailInputSchema.parse(input);
  const { orgId } = ctx;
  const db = primaryFor(ctx);
  const row = await executionWithBody(db, orgId, executionId);
  if (!row) return null;

  const [events, chain, parent, children, audit] = await Promise.all([
    listExecutionEvents(ctx, { executionId, limit: MAX_DETAIL_EVENTS }),
    chainOf(db, orgId, executionId),
    row.parentExecutionId ? executionLink(db, orgId, row.parentExecutionId) : Promise.resolve(null),
    childLinks(db, orgId, executionId, MAX_CHILDREN + 1),
    executionAuditEntries(db, orgId, executionId, MAX_AUDIT_ENTRIES),
  ]);

  const timestamps = {
    status: row.status,
    createdAt: row.createdAt,
    scheduledAt: row.scheduledAt,
    startedAt: row.startedAt,
    completedAt: row.completedAt,
    statusChangedAt: row.statusChangedAt,
  };
  return {
    execution: {
      executionId: row.executionId,
      workflow: row.workflow,
      attempt: row.attempt,
      ...timestamps,
      lastHeartbeatAt: row.lastHeartbeatAt,
      updatedAt: row.updatedAt,
      durationMs: row.durationMs,
      stuckReason: row.stuckReason,
      stuckSince: row.stuckReason ? row.stuckSince : null,
      metadata: row.metadata,
      error: row.error ?? null,
      input: row.input ?? null,
      output: row.output ?? null,
    },
    times: executionTimes(timestamps, now),
    stages: lifecycleStages({ ...timestamps, events: appliedInArrivalOrder(events.items) }, now),
    events: events.items,
    eventsTruncated: events.nextCursor !== null,
    chain: { ...chain, currentExecutionId: row.currentExecutionId },
    parent,
    children: children.slice(0, MAX_CHILDREN),
    childrenTruncated: children.length > MAX_CHILDREN,
    audit,
  };
}
