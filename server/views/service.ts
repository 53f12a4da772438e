// Saved views: a named executions-list query per organization. The query string is validated by
// the list's filter schema when saved (and stored in canonical form) and again when read, so a
// view saved before a filter changed shows up as invalid instead of breaking the page.
import { z } from "zod";
import type { ReadContext } from "../context";
import { prisma } from "../db/client";
import { DomainError } from "../errors";
import { FILTER_URL_KEYS, parseFilterQuery, serializeFilterQuery, type FilterUrlState } from "../dashboard/filters";
import { audited, type ServiceContext, type Queryable } from "../rbac/audited";
import * as q from "./queries";

/** A domain error the caller maps to its transport (tRPC code, HTTP status). */
export class SavedViewError extends DomainError {
  constructor(code: "CONFLICT" | "NOT_FOUND" | "BAD_REQUEST", message: string) {
    super(code, message);
    this.name = "SavedViewError";
  }
}

export const MAX_SAVED_VIEWS = 200;

export const createSavedViewInputSchema = z.object({
  name: z.string().trim().min(1, "name must not be empty").max(100, "name must be at most 100 characters"),
  /** the list's URL query string, with or without the leading "?" */
  query: z.string().max(4000, "query must be at most 4000 characters"),
});
export type CreateSavedViewInput = z.input<typeof createSavedViewInputSchema>;

export const savedViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** canonical query string, no leading "?" */
  query: z.string(),
  /** the decoded filters; null when the stored query no longer validates */
  filters: z.custom<FilterUrlState>().nullable(),
  invalidReason: z.string().nullable(),
  createdByUserId: z.string().nullable(),
  createdAt: z.date(),
});
export type SavedView = z.infer<typeof savedViewSchema>;

function toView(r: q.SavedViewRow): SavedView {
  const parsed = parseFilterQuery(r.query, { strict: true });
  return parsed.ok
    ? { ...r, filters: parsed.state, invalidReason: null }
    : { ...r, filters: null, invalidReason: parsed.issues.map((i) => i.message).join("; ") };
}

/** Validates a query string for a view: only filter keys, each valid; returns its canonical form. */
export function canonicalViewQuery(query: string): string {
  const params = new URLSearchParams(query.startsWith("?") ? query.slice(1) : query);
  const unknown = [...new Set([...params.keys()].filter((k) => !(FILTER_URL_KEYS as readonly string[]).includes(k)))];
  if (unknown.length) throw new SavedViewError("BAD_REQUEST", `unknown filter key(s): ${unknown.join(", ")}; accepted: ${FILTER_URL_KEYS.join(", ")}`);
  const parsed = parseFilterQuery(params, { strict: true });
  if (!parsed.ok) throw new SavedViewError("BAD_REQUEST", `the view's filters are not valid: ${parsed.issues.map((i) => i.message).join("; ")}`);
  return serializeFilterQuery(parsed.state);
}

/** Saves a view, audited (view.create) in the same transaction; a person's view names them as its creator. */
export async function createSavedView(ctx: ServiceContext, input: CreateSavedViewInput): Promise<SavedView> {
  const createdByUserId = ctx.actor.type === "USER" ? ctx.actor.userId : null;
  const parsed = createSavedViewInputSchema.safeParse(input);
  if (!parsed.success) throw new SavedViewError("BAD_REQUEST", parsed.error.issues.map((i) => i.message).join("; "));
  const query = canonicalViewQuery(parsed.data.query);
  return audited(ctx, { recordRefusals: false, action: "view.create", resourceType: "saved_view" }, async (client) => {
    const view = await insertSavedView(client, ctx.orgId, parsed.data.name, query, createdByUserId);
    return { result: view, resourceId: view.id, after: { name: view.name, query: view.query } };
  });
}

async function insertSavedView(client: Queryable, orgId: string, name: string, query: string, createdByUserId: string | null): Promise<SavedView> {
  try {
    const row = await q.insertSavedView(client, orgId, { name, query, createdByUserId, cap: MAX_SAVED_VIEWS });
    if (!row) throw new SavedViewError("BAD_REQUEST", `an organization keeps at most ${MAX_SAVED_VIEWS} saved views; delete one first`);
    return toView(row);
  } catch (err) {
    if ((err as { code?: string }).code === "23505") throw new SavedViewError("CONFLICT", `a view named "${name}" already exists`);
    throw err;
  }
}

// Reads go to the primary (prisma, not readPrisma): a view just saved is listed at once.
const viewColumns = { id: true, name: true, query: true, createdByUserId: true, createdAt: true } as const;

export async function listSavedViews(ctx: ReadContext): Promise<SavedView[]> {
  const rows = await prisma().savedView.findMany({ where: { orgId: ctx.orgId }, orderBy: { name: "asc" }, take: MAX_SAVED_VIEWS, select: viewColumns });
  return rows.map(toView);
}

const viewIdSchema = z.uuid();

export async function getSavedView(ctx: ReadContext, input: { id: string }): Promise<SavedView | null> {
  if (!viewIdSchema.safeParse(input.id).success) return null;
  const row = await prisma().savedView.findUnique({ where: { orgId_id: { orgId: ctx.orgId, id: input.id } }, select: viewColumns });
  return row ? toView(row) : null;
}

/** Deletes a view, audited (view.delete); NOT_FOUND when it is unknown here (or another organization's). */
export async function deleteSavedView(ctx: ServiceContext, input: { id: string }): Promise<{ id: string; name: string }> {
  const { id } = input;
  return audited(ctx, { recordRefusals: false, action: "view.delete", resourceType: "saved_view", resourceId: id }, async (client) => {
    if (!viewIdSchema.safeParse(id).success) throw new SavedViewError("NOT_FOUND", "saved view not found");
    const deleted = await q.deleteSavedViewRow(client, ctx.orgId, id);
    if (!deleted) throw new SavedViewError("NOT_FOUND", "saved view not found");
    return { result: deleted, resourceId: deleted.id, before: { name: deleted.name } };
  });
}
