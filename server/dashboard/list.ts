// The dashboard's executions list: light rows (no input, output, error or metadata), keyset
// pages over a snapshot, and a refresh of the visible rows for live updates. Its counts (the
// total, "N new" since the snapshot) are in server/aggregates/counters.ts.
import { z } from "zod";
import { pool } from "../db/client";
import { BadRequestError } from "../errors";
import { decodeCursor, encodeCursor } from "../paging/cursor";
import {
  latestExecutionId,
  selectExecutionPage,
  STUCK_REASON_SQL,
  STUCK_SINCE_SQL,
  type ListFilter,
} from "../executions/read";
import { STATUSES } from "../executions/status";
import { effectiveStatuses, executionFiltersSchema, type ExecutionFilters } from "./filters";

const ROW_COLUMNS = `e.id, e."executionId", w.key AS workflow, e.status, e.attempt, e."createdAt", e."scheduledAt", e."startedAt",
  e."completedAt", e."durationMs", e."updatedAt", ${STUCK_REASON_SQL} AS "stuckReason", ${STUCK_SINCE_SQL} AS "stuckSince"`;

export const executionRowSchema = z.object({
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
export type ExecutionRow = z.infer<typeof executionRowSchema>;

type DbRow = Omit<ExecutionRow, "durationMs" | "stuckSince"> & { id: string; durationMs: string | null; stuckSince: Date | null };

function toRow(r: DbRow): ExecutionRow {
  return {
    executionId: r.executionId,
    workflow: r.workflow,
    status: r.status,
    attempt: r.attempt,
    createdAt: r.createdAt,
    scheduledAt: r.scheduledAt,
    startedAt: r.startedAt,
    completedAt: r.completedAt,
    durationMs: r.durationMs === null ? null : Number(r.durationMs),
    stuckReason: r.stuckReason,
    stuckSince: r.stuckReason ? r.stuckSince : null,
    updatedAt: r.updatedAt,
  };
}

/** The service filters in the shape of the shared list query. */
export function toListFilter(f: ExecutionFilters): ListFilter {
  const metadata: Record<string, string> = {};
  let contradictory = false;
  for (const { key, value } of f.metadata) {
    // two values for one key can never both be contained
    if (key in metadata && metadata[key] !== value) contradictory = true;
    metadata[key] = value;
  }
  return {
    statuses: contradictory ? [] : effectiveStatuses(f),
    workflows: f.workflows,
    stuck: f.stuck ? true : undefined,
    createdFrom: f.from,
    createdTo: f.to,
    executionId: f.search ? { value: f.search, mode: f.searchMode } : undefined,
    metadata: f.metadata.length ? metadata : null,
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
  filters: executionFiltersSchema.default(executionFiltersSchema.parse({})),
  limit: z.number().int().min(1).max(MAX_LIST_LIMIT).default(50),
  /** nextCursor of the previous page; absent for the first page, which takes a new snapshot */
  cursor: z.string().max(300).optional(),
});
export type ListExecutionsInput = z.input<typeof listExecutionsInputSchema>;

export const listExecutionsOutputSchema = z.object({
  items: z.array(executionRowSchema),
  nextCursor: z.string().nullable(),
  /**
   * The newest execution id when the first page was read. Later pages never show executions
   * that arrived after it (so nothing shifts); countNewExecutions counts those.
   */
  snapshotId: z.string().nullable(),
});
export type ListExecutionsOutput = z.infer<typeof listExecutionsOutputSchema>;

/** Newest first; pages of one snapshot never skip or repeat a row, whatever arrives meanwhile. */
export async function listExecutionRows(orgId: string, input: ListExecutionsInput): Promise<ListExecutionsOutput> {
  const { filters, limit, cursor: rawCursor } = listExecutionsInputSchema.parse(input);
  const cursor = rawCursor ? decodeListCursor(rawCursor) : null;
  if (rawCursor && !cursor) throw new InvalidCursorError();
  const snapshotId = cursor ? cursor.snapshotId : await latestExecutionId(orgId);
  if (snapshotId === null) return { items: [], nextCursor: null, snapshotId: null };
  const rows = await selectExecutionPage<DbRow>(orgId, toListFilter(filters), { limit, cursor, snapshotId }, ROW_COLUMNS);
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toRow),
    nextCursor: more && last ? encodeListCursor({ createdAt: last.createdAt.toISOString(), id: last.id, snapshotId }) : null,
    snapshotId,
  };
}

/* --- live refresh of the visible rows ------------------------------------------------------ */

export const refreshRowsInputSchema = z.object({
  executionIds: z.array(z.string().min(1).max(200)).max(MAX_LIST_LIMIT),
});

/** The current state of the rows on screen (the page polls this for status changes). */
export async function refreshExecutionRows(orgId: string, input: z.input<typeof refreshRowsInputSchema>): Promise<ExecutionRow[]> {
  const { executionIds } = refreshRowsInputSchema.parse(input);
  if (!executionIds.length) return [];
  const { rows } = await pool().query<DbRow>(
    `SELECT ${ROW_COLUMNS} FROM executions e
       JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
       JOIN organizations o ON o.id = e."orgId"
      WHERE e."orgId" = $1 AND e."executionId" = ANY($2::text[])
      ORDER BY e."createdAt" DESC, e.id DESC`,
    [orgId, executionIds],
  );
  return rows.map(toRow);
}
