// The executions list's state as it lives in the URL, beside the filters (server/executions/filters.ts):
//   snap=<snapshotId>     the list's snapshot, so a reload or a shared link shows the same rows
//   pages=<c1>,<c2>,…     the cursor stack: the last one is the page shown, Previous pops it
// Pure, so it is unit-tested without a browser.
import { parseFilterQuery, serializeFilterQuery, type FilterUrlState } from "@/server/executions/filter-url";
import type { ExecutionListRow } from "@/server/executions/list";
import { STATUS_LABELS } from "@/components/executions/format";

export const SNAPSHOT_RE = /^\d{1,19}$/;
/** base64url of the list cursor; anything else in the URL is dropped */
export const CURSOR_RE = /^[A-Za-z0-9_-]{8,300}$/;
export const MAX_PAGES_IN_URL = 100;

export function parseSnapshot(raw: string | null): string | null {
  return raw && SNAPSHOT_RE.test(raw) ? raw : null;
}

export function parseCursorStack(raw: string | null): string[] {
  if (!raw) return [];
  const items = raw.split(",");
  if (items.length > MAX_PAGES_IN_URL || items.some((c) => !CURSOR_RE.test(c))) return [];
  return items;
}

export function serializeCursorStack(stack: readonly string[]): string | null {
  return stack.length ? stack.join(",") : null;
}

export const pushCursor = (stack: readonly string[], cursor: string): string[] => [...stack, cursor].slice(-MAX_PAGES_IN_URL);
export const popCursor = (stack: readonly string[]): string[] => stack.slice(0, -1);

export const EMPTY_FILTERS: FilterUrlState = parseFilterQuery("").ok ? (parseFilterQuery("") as { state: FilterUrlState }).state : ({} as FilterUrlState);

/** The filters of a query string, leniently (invalid keys dropped), in canonical form. */
export function filtersFromQuery(query: string): { state: FilterUrlState; query: string; dropped: { key: string; message: string }[] } {
  const parsed = parseFilterQuery(query);
  const state = parsed.ok ? parsed.state : EMPTY_FILTERS;
  return { state, query: serializeFilterQuery(state), dropped: parsed.ok ? parsed.dropped : parsed.issues };
}

/** The value nuqs should hold for one filter key of a state: the canonical text, or null (absent). */
export function filterKeyValue(state: Partial<FilterUrlState>, key: string): string | null {
  return new URLSearchParams(serializeFilterQuery(state)).get(key);
}

/** "env=prod, team=pay" → pairs; null when a part does not read key=value. */
export function parseMetadataInput(text: string): { key: string; value: string }[] | null {
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const pairs: { key: string; value: string }[] = [];
  for (const p of parts) {
    const eq = p.indexOf("=");
    if (eq <= 0) return null;
    pairs.push({ key: p.slice(0, eq).trim(), value: p.slice(eq + 1).trim() });
  }
  return pairs;
}

export function formatMetadataInput(pairs: readonly { key: string; value: string }[]): string {
  return pairs.map((p) => `${p.key}=${p.value}`).join(", ");
}

/** datetime-local value ("2026-01-31T12:00") in the viewer's zone → Date; null when empty or invalid. */
export function fromLocalInput(value: string): Date | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Date → datetime-local value in the viewer's zone. */
export function toLocalInput(d: Date | null | undefined): string {
  if (!d) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The visible rows with the newest state of each (the refresh can be ahead of the page, or behind). */
export function mergeRows(page: ExecutionListRow[], fresh: ExecutionListRow[] | undefined): ExecutionListRow[] {
  if (!fresh?.length) return page;
  const byId = new Map(fresh.map((r) => [r.executionId, r]));
  return page.map((r) => {
    const f = byId.get(r.executionId);
    return f && f.updatedAt >= r.updatedAt ? f : r;
  });
}


/** The filters in words, for a confirmation: "status Running or Scheduled, stuck only, created in the last 24 h". */
export function describeFilters(f: FilterUrlState): string {
  const parts: string[] = [];
  if (f.statuses.length) parts.push(`${f.statusMode === "exclude" ? "status not" : "status"} ${f.statuses.map((s) => STATUS_LABELS[s]).join(" or ")}`);
  if (f.stuck) parts.push("stuck only");
  if (f.workflows.length) parts.push(`workflow ${f.workflows.join(" or ")}`);
  if (f.range) parts.push(`created in the last ${f.range}`);
  if (f.from) parts.push(`created from ${f.from.toISOString()}`);
  if (f.to) parts.push(`created before ${f.to.toISOString()}`);
  if (f.search) parts.push(`${f.searchMode === "exact" ? "id" : f.searchMode === "prefix" ? "id starting with" : "id or workflow containing"} "${f.search}"`);
  if (f.metadata.length) parts.push(`metadata ${f.metadata.map((m) => `${m.key}=${m.value}`).join(", ")}`);
  return parts.length ? `the filter: ${parts.join(", ")}` : "no filter (every execution)";
}
