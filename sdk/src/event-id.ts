// Deterministic eventIds: an event sent without one gets an id derived from its content, so
// sending the same event again (a retry, a replay from the spool, a restarted connector) is a
// duplicate that Runwatch applies once, not a second event.
import { createHash } from "node:crypto";

/** JSON with object keys sorted at every depth, so equal content gives equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** `sdk-` + 40 base64url characters of SHA-256 over the event without its eventId. */
export function deriveEventId(event: Record<string, unknown>): string {
  const { eventId: _ignored, ...content } = event;
  void _ignored;
  return "sdk-" + createHash("sha256").update(canonicalJson(content)).digest("base64url").slice(0, 40);
}
