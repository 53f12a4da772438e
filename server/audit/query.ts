// Reading the audit log: filters (shared by the page's URL, the tRPC list and the CSV export),
// newest first with a keyset cursor on (at, id), and the export as a stream of keyset batches so
// memory stays flat however many rows match.
import { z } from "zod";
import { primaryFor } from "../db/client";
import { BadRequestError } from "../errors";
import type { ReadContext } from "../context";
import { auditCsvHeader, auditCsvRow, type AuditCsvEntry } from "./csv";
import { auditEntryRow, auditPage, type AuditPosition } from "./queries";
import { decodeCursor as decodePosition, encodeCursor as encodePosition } from "../paging/cursor";

/** A bad filter or cursor: the caller answers BAD_REQUEST with this message. */
export class AuditQueryError extends BadRequestError {
  constructor(message: string) {
    super(message);
    this.name = "AuditQueryError";
  }
}

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `at most ${max} characters`)
    .transform((s) => (s === "" ? undefined : s))
    .optional();

export const auditFiltersSchema = z
  .object({
    /** part of the actor's label (case-insensitive), or exactly a user or API key id */
    actor: text(200),
    /** an action ("api_key.revoke") or a dotted prefix of one ("api_key" matches api_key.*) */
    action: text(100),
    resourceType: text(100),
    resourceId: text(200),
    from: z.coerce.date({ error: "from must be an ISO-8601 date-time" }).optional(),
    to: z.coerce.date({ error: "to must be an ISO-8601 date-time" }).optional(),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: "from must not be after to", path: ["to"] });
export type AuditFilters = z.output<typeof auditFiltersSchema>;
export type AuditFiltersInput = z.input<typeof auditFiltersSchema>;

export const auditEntrySchema = auditEntryRow;
export type AuditEntryView = z.infer<typeof auditEntrySchema>;

export const AUDIT_PAGE_MAX = 200;

// The cursor is the last row's (at, id) in the one paging codec (server/paging/cursor.ts).
export function encodeCursor(at: Date, id: string): string {
  return encodePosition({ at: at.toISOString(), id });
}

export function decodeCursor(cursor: string): { at: Date; id: string } {
  const k = decodePosition(cursor);
  if (!k || k.snapshotId !== null) throw new AuditQueryError("cursor is not valid: pass the nextCursor of a previous page, or none for the first page");
  return { at: new Date(k.at), id: k.id };
}

async function page(ctx: ReadContext, filters: AuditFilters, cursor: AuditPosition | null, limit: number): Promise<AuditEntryView[]> {
  return auditPage(primaryFor(ctx), ctx.orgId, filters, cursor, limit);
}

export function parseAuditFilters(input: AuditFiltersInput): AuditFilters {
  const parsed = auditFiltersSchema.safeParse(input);
  if (!parsed.success) throw new AuditQueryError(parsed.error.issues.map((i) => `${i.path.join(".") || "filters"}: ${i.message}`).join("; "));
  return parsed.data;
}

export async function listAuditLog(
  ctx: ReadContext,
  opts: { filters?: AuditFiltersInput; cursor?: string | null; limit?: number } = {},
): Promise<{ items: AuditEntryView[]; nextCursor: string | null }> {
  const filters = parseAuditFilters(opts.filters ?? {});
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), AUDIT_PAGE_MAX);
  const cursor = opts.cursor ? decodeCursor(opts.cursor) : null;
  const rows = await page(ctx, filters, cursor, limit + 1);
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.at, last.id) : null };
}

const EXPORT_BATCH = 1000;
/** An export past this many rows stops there and says so in its last line: narrow the filters. */
export const EXPORT_MAX_ROWS = 1_000_000;

/**
 * The filtered rows as CSV, header first, fetched in keyset batches while the client reads.
 * Filters are validated before the stream starts so a bad request can still get a 400.
 */
export function auditCsvStream(ctx: ReadContext, filtersInput: AuditFiltersInput): ReadableStream<Uint8Array> {
  const filters = parseAuditFilters(filtersInput);
  const encoder = new TextEncoder();
  let cursor: AuditPosition | null = null;
  let sent = 0;
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(auditCsvHeader()));
        return;
      }
      const rows = await page(ctx, filters, cursor, EXPORT_BATCH);
      if (rows.length === 0) return controller.close();
      const last = rows[rows.length - 1]!;
      cursor = { at: last.at, id: last.id };
      sent += rows.length;
      controller.enqueue(encoder.encode(rows.map((r) => auditCsvRow(r as AuditCsvEntry)).join("")));
      if (rows.length < EXPORT_BATCH) return controller.close();
      if (sent >= EXPORT_MAX_ROWS) {
        controller.enqueue(encoder.encode(`# truncated after ${EXPORT_MAX_ROWS} rows: narrow the filters\r\n`));
        controller.close();
      }
    },
  });
}
