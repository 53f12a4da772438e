// The dashboard's executions list: light rows (no input, output, error or metadata), keyset
// pages over a snapshot, and a refresh of the visible rows for live updates. Its counts (total,
// "N new") are in server/aggregates/counters.ts, beside the aggregates they read.
import { z } from "zod";
import type { ReadContext } from "../context";
import { primaryFor } from "../db/client";
import { BadRequestError } from "../errors";
import { decodeCursor, encodeCursor } from "../paging/cursor";
import type { ExecutionFilter } from "./filters";
import { executionListRowsById, type ExecutionListDbRow } from "./queries";
import { latestExecutionId, listExecutionPage } from "./read";
import { STATUSES } from "./status";

export const executionListRowSchema = z.object({
  executionId: z.string(),
  workflow: z.string(),
  status: z.enum(STATUSES),
  attempt: z.number().int(),
  createdAt: z.date(),
  scheduledAt: z.date().nullable(),
  startedAt: z.date().nullable(),
  completedAt: z.date().nullable(),
  durationMs: z.number().nullable(),
  stuckReason: z.enum(["scheduled", "running"]).nullable(),
  /** when the execution stopped making progress (set only when stuck): "stuck for 12 min" */
  stuckSince: z.date().nullable(),
  updatedAt: z.date(),
});
/** A row of the dashboard's list (not the executions table row: see ./row.ts) */
export type ExecutionListRow = z.infer<typeof executionListRowSchema>;

function toRow(r: ExecutionListDbRow): ExecutionListRow {
  return {
    executionId: r.executionId,
    workflow: r.workflow,
    status: r.status,
    attempt: r.attempt,
    createdAt: r.createdAt,
    scheduledAt: r.scheduledAt,
    startedAt: r.startedAt,
    completedAt: r.completedAt,
    durationMs: r.durationMs,
    stuckReason: r.stuckReason,
    stuckSince: r.stuckReason ? r.stuckSince : null,
    updatedAt: r.updatedAt,
  };
}

/* --- cursor: position (createdAt, id) and the snapshot's high-water mark ---------------------- */

type DashboardCursor = { createdAt: string; id: string; snapshotId: string };

export function encodeListCursor(c: DashboardCursor): string {
  return encodeCursor({ at: c.createdAt, id: c.id, snapshotId: c.snapshotId });
}

/** The dashboard's cursor always pins its snapshot: one without is not valid here. */
export function decodeListCursor(raw: string): DashboardCursor | null {
  const k = decodeCursor(raw);
  return k && k.snapshotId !== null ? { createdAt: k.at, id: k.id, snapshotId: k.snapshotId } : null;
}

/** A cursor that does not decode: the caller maps it to BAD_REQUEST. */
export class InvalidCursorError extends BadRequestError {
  constructor() {
    super("cursor is not valid; pass the nextCursor of a previous page, or none for the first page", { apiCode: "INVALID_CURSOR" });
    this.name = "InvalidCursorError";
  }
}

/* --- list ---------------------------------------------------------------------------------- */

export const MAX_LIST_LIMIT = 200;

export const listExecutionsInputSchema = z.object({
  /** the resolved filter (filterOfQuery); none: every execution */
  filter: z.custom<ExecutionFilter>().default({}),
  limit: z.number().int().min(1).max(MAX_LIST_LIMIT).default(50),
  /** nextCursor of the previous page; absent for the first page, which takes a new snapshot */
  cursor: z.string().max(300).optional(),
});
export type ListExecutionsInput = z.input<typeof listExecutionsInputSchema>;

export const listExecutionsOutputSchema = z.object({
  items: z.array(executionListRowSchema),
  nextCursor: z.string().nullable(),
  /**
   * The newest execution id when the first page was read. Later pages never show executions
   * that arrived after it (so nothing shifts); countNewExecutions counts those.
   */
  snapshotId: z.string().nullable(),
});
export type ListExecutionsOutput = z.infer<typeof listExecutionsOutputSchema>;

/** Newest first; pages of one snapshot never skip or repeat a row, whatever arrives meanwhile. */
export async function listExecutionRows(ctx: ReadContext, input: ListExecutionsInput): Promise<ListExecutionsOutput> {
  const { filter, limit, cursor: rawCursor } = listExecutionsInputSchema.parse(input);
  const cursor = rawCursor ? decodeListCursor(rawCursor) : null;
  if (rawCursor && !cursor) throw new InvalidCursorError();
  const snapshotId = cursor ? cursor.snapshotId : await latestExecutionId(ctx);
  if (snapshotId === null) return { items: [], nextCursor: null, snapshotId: null };
  const { rows, nextCursor } = await listExecutionPage(ctx, "row", filter, { limit, cursor, snapshotId });
  return { items: rows.map(toRow), nextCursor, snapshotId };
}

/* --- live refresh of the visible rows ------------------------------------------------------ */

export const refreshRowsInputSchema = z.object({
  executionIds: z.array(z.string().min(1).max(200)).max(MAX_LIST_LIMIT),
});

/** The current state of the rows on screen (the page polls this for status changes). */
export async function refreshExecutionRows(ctx: ReadContext, input: z.input<typeof refreshRowsInputSchema>): Promise<ExecutionListRow[]> {
  const { executionIds } = refreshRowsInputSchema.parse(input);
  if (!executionIds.length) return [];
  const rows = await executionListRowsById(primaryFor(ctx), ctx.orgId, executionIds);
  return rows.map(toRow);
}
