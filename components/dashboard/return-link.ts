// The list's query string carried to the detail page (?from=…) so "← Executions" returns to the
// same filters, snapshot and page. Only a query string is accepted (no path, no scheme), so the
// link cannot be turned into a redirect elsewhere. Pure.
export const MAX_RETURN_QUERY = 8000;

export function listReturnQuery(raw: string | string[] | undefined): string | null {
  const v = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (!v || v.length > MAX_RETURN_QUERY) return null;
  const q = v.startsWith("?") ? v.slice(1) : v;
  // rebuilt through URLSearchParams: whatever comes in leaves as a plain, encoded query string
  const out = new URLSearchParams(q).toString();
  return out || null;
}
