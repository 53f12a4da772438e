// The audit page's filters in the URL. Each value is validated when decoded: an over-long text
// or a date that does not parse decodes to "no filter" rather than reaching the server.
import { createParser, parseAsIsoDateTime } from "nuqs";

const text = (max: number) =>
  createParser({
    parse: (v: string) => {
      const s = v.trim();
      return s && s.length <= max ? s : null;
    },
    serialize: (v: string) => v,
  });

export const auditUrlParsers = {
  actor: text(200),
  action: text(100),
  resourceType: text(100),
  resourceId: text(200),
  from: parseAsIsoDateTime,
  to: parseAsIsoDateTime,
};

export type AuditUrlFilters = { actor: string | null; action: string | null; resourceType: string | null; resourceId: string | null; from: Date | null; to: Date | null };

/** The filters as the server takes them (nulls left out), for the list and the CSV link. */
export function toServerFilters(f: AuditUrlFilters) {
  return {
    ...(f.actor ? { actor: f.actor } : {}),
    ...(f.action ? { action: f.action } : {}),
    ...(f.resourceType ? { resourceType: f.resourceType } : {}),
    ...(f.resourceId ? { resourceId: f.resourceId } : {}),
    ...(f.from ? { from: f.from } : {}),
    ...(f.to ? { to: f.to } : {}),
  };
}

export function exportQueryString(f: AuditUrlFilters): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(toServerFilters(f))) q.set(k, v instanceof Date ? v.toISOString() : v);
  return q.toString();
}

/** <input type="datetime-local"> speaks the viewer's local time without a zone. */
export function toLocalInput(d: Date | null): string {
  if (!d) return "";
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function fromLocalInput(v: string): Date | null {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}
