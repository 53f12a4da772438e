// The list's filters as they live in the URL (nuqs) and in saved views: decoding with every
// check, canonical encoding, presets. Pure and free of zod, so the browser's first-load
// JavaScript does not carry a schema library to read its own address bar; the zod schemas that
// the services take live beside it in ./filters.ts, and a unit test holds both to the same rules.
//
// URL keys (defaults are omitted, so a link stays short and canonical):
//   status=FAILED,TIMED_OUT  statusMode=exclude  stuck=1  workflow=a,b  range=24h | from=ISO&to=ISO
//   q=<text>  qMode=prefix|exact (default: contains, in the execution id or the workflow key)  meta=env=prod,team=pay
// Lists are comma-separated; a comma inside a value is written "%2C" (as nuqs' parseAsArrayOf does).
import { parseStatus, STATUSES, type Status } from "./status";

export const RANGE_PRESETS = ["15m", "1h", "6h", "24h", "7d", "30d", "90d"] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

export const PRESET_MS: Record<RangePreset, number> = {
  "15m": 15 * 60_000,
  "1h": 3_600_000,
  "6h": 6 * 3_600_000,
  "24h": 24 * 3_600_000,
  "7d": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
  "90d": 90 * 86_400_000,
};

export const MAX_WORKFLOWS_IN_FILTER = 50;
export const MAX_METADATA_PAIRS = 20;
export const MAX_KEY_LENGTH = 200;
export const MAX_SEARCH_LENGTH = 200;
export const MAX_METADATA_VALUE_LENGTH = 1000;
/** contains (the default): a substring of the execution id or the workflow key */
export const SEARCH_MODES = ["contains", "prefix", "exact"] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/**
 * The decoded URL state of the list's filters: a preset range or from/to, [from, to). The
 * services take it resolved (server/executions/filters.ts `filterOfUrlState`).
 */
export type FilterUrlState = {
  statuses: Status[];
  statusMode: "include" | "exclude";
  stuck: boolean;
  workflows: string[];
  range?: RangePreset;
  from?: Date;
  to?: Date;
  search?: string;
  searchMode: SearchMode;
  metadata: { key: string; value: string }[];
};

export const FILTER_URL_KEYS = ["status", "statusMode", "stuck", "workflow", "range", "from", "to", "q", "qMode", "meta"] as const;

type FieldIssue = { field: string; message: string };

/**
 * The rules of a decoded state, with defaults applied: the same as filterUrlStateSchema in
 * ./filters.ts (messages included).
 */
export function checkUrlState(raw: Record<string, unknown>): { ok: true; state: FilterUrlState } | { ok: false; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const statuses = (raw.statuses as Status[] | undefined) ?? [];
  const workflows = (raw.workflows as string[] | undefined) ?? [];
  const metadata = (raw.metadata as { key: string; value: string }[] | undefined) ?? [];
  const range = raw.range as string | undefined;
  const from = raw.from as Date | undefined;
  const to = raw.to as Date | undefined;
  const search = raw.search as string | undefined;
  if (statuses.length > STATUSES.length) issues.push({ field: "statuses", message: `at most ${STATUSES.length} statuses` });
  if (workflows.length > MAX_WORKFLOWS_IN_FILTER) issues.push({ field: "workflows", message: `at most ${MAX_WORKFLOWS_IN_FILTER} workflows` });
  for (const w of workflows) {
    if (w.length < 1) issues.push({ field: "workflows", message: "a workflow key must not be empty" });
    else if (w.length > MAX_KEY_LENGTH) issues.push({ field: "workflows", message: `a workflow key is at most ${MAX_KEY_LENGTH} characters` });
  }
  const badRange = range !== undefined && !(RANGE_PRESETS as readonly string[]).includes(range);
  if (badRange) issues.push({ field: "range", message: `range must be one of ${RANGE_PRESETS.join(", ")}` });
  if (search !== undefined && (search.length < 1 || search.length > MAX_SEARCH_LENGTH)) issues.push({ field: "search", message: `the search is 1 to ${MAX_SEARCH_LENGTH} characters` });
  if (metadata.length > MAX_METADATA_PAIRS) issues.push({ field: "metadata", message: `at most ${MAX_METADATA_PAIRS} metadata filters` });
  for (const m of metadata) {
    if (m.key.length < 1) issues.push({ field: "metadata", message: "a metadata key must not be empty" });
    else if (m.key.length > MAX_KEY_LENGTH) issues.push({ field: "metadata", message: `a metadata key is at most ${MAX_KEY_LENGTH} characters` });
    if (m.value.length > MAX_METADATA_VALUE_LENGTH) issues.push({ field: "metadata", message: `a metadata value is at most ${MAX_METADATA_VALUE_LENGTH} characters` });
  }
  // the rules across fields, as zod runs its refinements: after length issues (which do not
  // abort), not after a value of the wrong kind (an unknown preset does)
  if (!badRange) {
    if (range && (from || to)) issues.push({ field: "range", message: "use either range or from/to, not both" });
    if (from && to && !(from < to)) issues.push({ field: "to", message: "from must be before to" });
  }
  if (issues.length) return { ok: false, issues };
  const state: FilterUrlState = {
    statuses,
    statusMode: (raw.statusMode as "include" | "exclude" | undefined) ?? "include",
    stuck: (raw.stuck as boolean | undefined) ?? false,
    workflows,
    searchMode: (raw.searchMode as SearchMode | undefined) ?? "contains",
    metadata,
  };
  if (range) state.range = range as RangePreset;
  if (from) state.from = from;
  if (to) state.to = to;
  if (search !== undefined) state.search = search;
  return { ok: true, state };
}

const SEP = ",";
const ENCODED_SEP = encodeURIComponent(SEP);

export function splitList(raw: string): string[] {
  return raw
    .split(SEP)
    .map((item) => item.replaceAll(ENCODED_SEP, SEP))
    .filter((item) => item.length > 0);
}

export function joinList(items: readonly string[]): string {
  return items.map((item) => item.replaceAll(SEP, ENCODED_SEP)).join(SEP);
}

function parseInstant(raw: string): Date | null {
  // ISO-8601 with a date part; Date.parse alone accepts too much ("1", "May 5")
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw)) return null;
  const t = Date.parse(raw);
  return Number.isNaN(t) ? null : new Date(t);
}

type KeyIssue = { key: string; message: string };

export type ParsedFilterQuery =
  | { ok: true; state: FilterUrlState; dropped: KeyIssue[] }
  | { ok: false; issues: KeyIssue[] };

type QueryInput = string | URLSearchParams | Record<string, string | string[] | undefined>;

function toSearchParams(input: QueryInput): URLSearchParams {
  if (typeof input === "string") return new URLSearchParams(input.startsWith("?") ? input.slice(1) : input);
  if (input instanceof URLSearchParams) return input;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) q.append(k, item);
  }
  return q;
}

/**
 * Decodes the filter keys of a query string. Strict (saved views): any invalid value fails the
 * whole parse with the reasons. Lenient (a page load): an invalid key is dropped and reported,
 * the way nuqs treats a value its parser rejects. Keys that are not filter keys are ignored.
 */
export function parseFilterQuery(input: QueryInput, opts: { strict?: boolean } = {}): ParsedFilterQuery {
  const q = toSearchParams(input);
  const issues: KeyIssue[] = [];
  const raw: Record<string, unknown> = {};
  const one = (key: string) => {
    const all = q.getAll(key);
    if (all.length > 1) issues.push({ key, message: `${key} appears ${all.length} times; give it once` });
    return all.length ? all[all.length - 1]! : null;
  };

  const status = one("status");
  if (status !== null) {
    const parsed: Status[] = [];
    const bad: string[] = [];
    for (const item of splitList(status)) {
      const s = parseStatus(item);
      if (s) {
        if (!parsed.includes(s)) parsed.push(s);
      } else bad.push(item);
    }
    if (bad.length) issues.push({ key: "status", message: `unknown status ${bad.map((b) => JSON.stringify(b)).join(", ")}; accepted: ${STATUSES.join(", ")}` });
    else raw.statuses = parsed;
  }
  const statusMode = one("statusMode");
  if (statusMode !== null) {
    if (statusMode === "include" || statusMode === "exclude") raw.statusMode = statusMode;
    else issues.push({ key: "statusMode", message: 'statusMode must be "include" or "exclude"' });
  }
  const stuck = one("stuck");
  if (stuck !== null) {
    if (stuck === "1" || stuck === "true") raw.stuck = true;
    else if (stuck === "0" || stuck === "false") raw.stuck = false;
    else issues.push({ key: "stuck", message: 'stuck must be "1" or "0"' });
  }
  const workflow = one("workflow");
  if (workflow !== null) raw.workflows = [...new Set(splitList(workflow))];
  const range = one("range");
  if (range !== null) raw.range = range;
  for (const key of ["from", "to"] as const) {
    const v = one(key);
    if (v === null) continue;
    const d = parseInstant(v);
    if (d) raw[key] = d;
    else issues.push({ key, message: `${key} must be an ISO-8601 time such as 2026-01-31T12:00:00Z` });
  }
  const search = one("q");
  if (search !== null && search.trim() !== "") raw.search = search.trim();
  const qMode = one("qMode");
  if (qMode !== null) {
    if (qMode === "prefix" || qMode === "exact" || qMode === "contains") raw.searchMode = qMode;
    else issues.push({ key: "qMode", message: 'qMode must be "contains", "prefix" or "exact"' });
  }
  const meta = one("meta");
  if (meta !== null) {
    const pairs: { key: string; value: string }[] = [];
    for (const item of splitList(meta)) {
      const eq = item.indexOf("=");
      if (eq <= 0) {
        issues.push({ key: "meta", message: `metadata filter ${JSON.stringify(item)} must read key=value` });
        break;
      }
      pairs.push({ key: item.slice(0, eq), value: item.slice(eq + 1) });
    }
    if (!issues.some((i) => i.key === "meta")) raw.metadata = pairs;
  }

  // Checks across values (lengths, the preset names, from < to, range vs from/to), attributed to
  // URL keys. The same rules as filterUrlStateSchema (server/executions/filters.ts), written
  // without zod so the browser's bundle does not carry it; tests/unit/dashboard-filters.test.ts
  // holds the two equal on generated input.
  const URL_KEY: Record<string, string> = { statuses: "status", workflows: "workflow", search: "q", searchMode: "qMode", metadata: "meta" };
  let result = checkUrlState(raw);
  while (!result.ok) {
    const fields = new Set(result.issues.map((i) => i.field));
    for (const issue of result.issues) issues.push({ key: URL_KEY[issue.field] ?? issue.field, message: `${URL_KEY[issue.field] ?? issue.field}: ${issue.message}` });
    if (opts.strict) break;
    // lenient: drop the offending fields and try again (from/to conflicts drop the custom range)
    let removed = false;
    for (const f of fields) {
      if (f in raw) {
        delete raw[f];
        removed = true;
      }
      if (f === "range" && ("from" in raw || "to" in raw)) {
        delete raw.from;
        delete raw.to;
        removed = true;
      }
    }
    if (!removed) break;
    result = checkUrlState(raw);
  }
  if (opts.strict && issues.length) return { ok: false, issues: dedupe(issues) };
  if (!result.ok) return { ok: false, issues: dedupe(issues) };
  return { ok: true, state: result.state, dropped: dedupe(issues) };
}

function dedupe(issues: KeyIssue[]): KeyIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.key}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Canonical query string (no leading "?"): fixed key order, defaults omitted. */
export function serializeFilterQuery(state: Partial<FilterUrlState>): string {
  const q = new URLSearchParams();
  const statuses = (state.statuses ?? []).slice().sort((a, b) => STATUSES.indexOf(a) - STATUSES.indexOf(b));
  if (statuses.length) q.set("status", joinList(statuses));
  if (statuses.length && state.statusMode === "exclude") q.set("statusMode", "exclude");
  if (state.stuck) q.set("stuck", "1");
  if (state.workflows?.length) q.set("workflow", joinList(state.workflows));
  if (state.range) q.set("range", state.range);
  if (state.from) q.set("from", state.from.toISOString());
  if (state.to) q.set("to", state.to.toISOString());
  if (state.search) q.set("q", state.search);
  if (state.search && state.searchMode && state.searchMode !== "contains") q.set("qMode", state.searchMode);
  if (state.metadata?.length) q.set("meta", joinList(state.metadata.map((p) => `${p.key}=${p.value}`)));
  return q.toString();
}

/** The [from, to) a URL state means, a preset range resolved against `now`. */
export function timeRangeOf(state: Pick<FilterUrlState, "range" | "from" | "to">, now: Date): { from?: Date; to?: Date } {
  return state.range ? { from: new Date(now.getTime() - PRESET_MS[state.range]), to: undefined } : { from: state.from, to: state.to };
}

/**
 * The statuses a filter admits, or null for "any status". Exclude mode is turned into the
 * complement, and "stuck only" narrows to the statuses that can be stuck.
 */
export function effectiveStatuses(f: Pick<FilterUrlState, "statuses" | "statusMode" | "stuck">): Status[] | null {
  let set: Status[] | null = null;
  if (f.statuses.length) set = f.statusMode === "exclude" ? STATUSES.filter((s) => !f.statuses.includes(s)) : STATUSES.filter((s) => f.statuses.includes(s));
  if (f.stuck) set = (set ?? [...STATUSES]).filter((s) => s === "SCHEDULED" || s === "RUNNING");
  if (set && set.length === STATUSES.length) return null;
  return set;
}
