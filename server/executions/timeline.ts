// An execution's timeline as GET /api/v1/executions/{id}/events and the execution page show it:
// status events by occurredAt (each once, with how often its eventId came again), and heartbeats
// compacted to one item per attempt. Keyset-paged on (occurredAt, tie) with the list's cursor codec.
import { z } from "zod";
import type { ReadContext } from "../context";
import { primaryFor } from "../db/client";
import { BadRequestError } from "../errors";
import { decodeCursor, encodeCursor } from "../paging/cursor";
import { executionExists, timelineRows, type TimelineRow } from "./queries";
import { STATUSES } from "./status";

const statusSchema = z.enum(STATUSES);

export const statusItemSchema = z.object({
  type: z.literal("status"),
  /** the row id, for React keys and the dashboard */
  id: z.string(),
  eventId: z.string(),
  status: statusSchema.nullable(),
  attempt: z.number().int(),
  occurredAt: z.date(),
  receivedAt: z.date(),
  outcome: z.enum(["applied", "duplicate", "stale", "rejected"]),
  reason: z.string().nullable(),
  repeats: z.number().int(),
  /** how long it was kept as deferred before its execution existed; null if it never waited */
  waitedMs: z.number().int().nullable(),
  statusBefore: statusSchema.nullable(),
  statusAfter: statusSchema.nullable(),
  payload: z.unknown(),
});

export const heartbeatItemSchema = z.object({
  type: z.literal("heartbeat"),
  id: z.string(),
  attempt: z.number().int(),
  count: z.number().int(),
  firstOccurredAt: z.date(),
  lastOccurredAt: z.date(),
  /** the longest wait of a deferred heartbeat of this attempt; null if none waited */
  waitedMs: z.number().int().nullable(),
});

export const timelineItemSchema = z.discriminatedUnion("type", [statusItemSchema, heartbeatItemSchema]);
export type TimelineItem = z.infer<typeof timelineItemSchema>;
export type StatusItem = z.infer<typeof statusItemSchema>;
export type HeartbeatItem = z.infer<typeof heartbeatItemSchema>;

export type TimelinePage = { items: TimelineItem[]; nextCursor: string | null };

export const MAX_TIMELINE_PAGE = 1000;

function toItem(r: TimelineRow): TimelineItem {
  if (r.kind === "heartbeat") {
    return { type: "heartbeat", id: r.id, attempt: r.attempt, count: r.count!, firstOccurredAt: r.at, lastOccurredAt: r.lastOccurredAt!, waitedMs: r.waitedMs };
  }
  return {
    type: "status",
    id: r.id,
    eventId: r.eventId!,
    status: r.status,
    attempt: r.attempt,
    occurredAt: r.at,
    receivedAt: r.receivedAt!,
    outcome: r.outcome!.toLowerCase() as StatusItem["outcome"],
    reason: r.reason,
    repeats: r.repeats ?? 0,
    waitedMs: r.waitedMs,
    statusBefore: r.statusBefore,
    statusAfter: r.statusAfter,
    payload: r.payload,
  };
}

/** A cursor that no page of this route handed out. */
export class TimelineCursorError extends BadRequestError {
  constructor(message: string) {
    super(message, { apiCode: "INVALID_CURSOR" });
    this.name = "TimelineCursorError";
  }
}

/**
 * One page of an execution's timeline, or null when the execution is unknown here (another
 * organization's included). `cursor` is the nextCursor of the previous page.
 */
export async function readTimeline(ctx: ReadContext, page: { executionId: string; limit: number; cursor?: string | null }): Promise<TimelinePage | null> {
  const { orgId } = ctx;
  const { executionId } = page;
  const limit = Math.min(Math.max(page.limit, 1), MAX_TIMELINE_PAGE);
  const after = page.cursor ? decodeCursor(page.cursor) : null;
  if (page.cursor && (!after || after.snapshotId !== null)) throw new TimelineCursorError("cursor is not valid; pass the nextCursor of a previous page");
  const db = primaryFor(ctx);
  const [exists, rows] = await Promise.all([
    executionExists(db, orgId, executionId),
    timelineRows(db, orgId, executionId, after ? { at: after.at, tie: after.id } : null, limit + 1),
  ]);
  if (!exists) return null;
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(toItem), nextCursor: more && last ? encodeCursor({ at: last.at.toISOString(), id: last.tie }) : null };
}

/** The contract's shape of an item (§3), plus `waitedMs` for deferred events. */
export function timelineItemForApi(item: TimelineItem) {
  if (item.type === "heartbeat") {
    return {
      type: "heartbeat" as const,
      attempt: item.attempt,
      count: item.count,
      firstOccurredAt: item.firstOccurredAt.toISOString(),
      lastOccurredAt: item.lastOccurredAt.toISOString(),
      waitedMs: item.waitedMs,
    };
  }
  return {
    eventId: item.eventId,
    type: "status" as const,
    status: item.status,
    attempt: item.attempt,
    occurredAt: item.occurredAt.toISOString(),
    receivedAt: item.receivedAt.toISOString(),
    outcome: item.outcome,
    reason: item.reason,
    repeats: item.repeats,
    waitedMs: item.waitedMs,
  };
}
