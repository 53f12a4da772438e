// The executions list's filters as they live in the URL (nuqs) and in saved views, and as the
// service functions take them. Pure: no clock (presets resolve against a `now` passed in), no I/O.
//
// URL keys (defaults are omitted, so a link stays short and canonical):
//   status=FAILED,TIMED_OUT  statusMode=exclude  stuck=1  workflow=a,b  range=24h | from=ISO&to=ISO
//   q=<text>  qMode=prefix|exact (default: contains, in the execution id or the workflow key)  meta=env=prod,team=pay
// Lists are comma-separated; a comma inside a value is written "%2C" (as nuqs' parseAsArrayOf does).
import { z } from "zod";
import { parseStatus, STATUSES, type Status } from "../executions/status";

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
/** contains (the default): a substring of the execution id or the workflow key */
export const SEARCH_MODES = ["contains", "prefix", "exact"] as const;
export const MAX_METADATA_PAIRS = 20;

const statusSchema = z.enum(STATUSES);
const workflowKeySchema = z.string().min(1, "a workflow key must not be empty").max(200, "a workflow key is at most 200 characters");
const metadataPairSchema = z.object({
  key: z.string().min(1, "a metadata key must not be empty").max(200),
  value: z.string().max(1000),
});

/** What the service functions take: time range already resolved to instants, [from, to). */
export const executionFiltersSchema = z
  .object({
    statuses: z.array(statusSchema).max(STATUSES.length).default([]),
    statusMode: z.enum(["include", "exclude"]).default("include"),
    stuck: z.boolean().default(false),
    workflows: z.array(workflowKeySchema).max(MAX_WORKFLOWS_IN_FILTER).default([]),
    from: z.date().optional(),
    to: z.date().optional(),
    search: z.string().min(1).max(200).optional(),
    searchMode: z.enum(SEARCH_MODES).default("contains"),
    metadata: z.array(metadataPairSchema).max(MAX_METADATA_PAIRS).default([]),
  })
  .refine((f) => !f.from || !f.to || f.from < f.to, { message: "from must be before to", path: ["to"] });

export type ExecutionFilters = z.output<typeof executionFiltersSchema>;
export type ExecutionFiltersInput = z.input<typeof executionFiltersSchema>;

/** The decoded URL state: like the filters, but the time range may be a preset. */
export const filterUrlStateSchema = z
  .object({
    statuses: z.array(statusSchema).max(STATUSES.length).default([]),
    statusMode: z.enum(["include", "exclude"]).default("include"),
    stuck: z.boolean().default(false),
    workflows: z.array(workflowKeySchema).max(MAX_WORKFLOWS_IN_FILTER).default([]),
    range: z.enum(RANGE_PRESETS).optional(),
    from: z.date().optional(),
    to: z.date().optional(),
    search: z.string().min(1).max(200).optional(),
    searchMode: z.enum(SEARCH_MODES).default("contains"),
    metadata: z.array(metadataPairSchema).max(MAX_METADATA_PAIRS).default([]),
  })
  .refine((s) => !(s.range && (s.from || s.to)), { message: "use either range or from/to, not both", path: ["range"] })
  .refine((s) => !s.from || !s.to || s.from < s.to, { message: "from must be before to", path: ["to"] });

export type FilterUrlState = z.output<typeof filterUrlStateSchema>;

export const FILTER_URL_KEYS = ["status", "statusMode", "stuck", "workflow", "range", "from", "to", "q", "qMode", "meta"] as const;

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

  // Schema checks (lengths, enum of presets, from < to, range vs from/to), attributed to URL keys.
  const URL_KEY: Record<string, string> = { statuses: "status", workflows: "workflow", search: "q", searchMode: "qMode", metadata: "meta" };
  let result = filterUrlStateSchema.safeParse(raw);
  while (!result.success) {
    const fields = new Set(result.error.issues.map((i) => String(i.path[0] ?? "range")));
    for (const issue of result.error.issues) {
      const field = String(issue.path[0] ?? "range");
      issues.push({ key: URL_KEY[field] ?? field, message: `${URL_KEY[field] ?? field}: ${issue.message}` });
    }
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
    result = filterUrlStateSchema.safeParse(raw);
  }
  if (opts.strict && issues.length) return { ok: false, issues: dedupe(issues) };
  if (!result.success) return { ok: false, issues: dedupe(issues) };
  return { ok: true, state: result.data, dropped: dedupe(issues) };
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

/** The service's filters for a URL state, resolving a preset range against `now`. */
export function resolveFilters(state: FilterUrlState, now: Date): ExecutionFilters {
  const { range, ...rest } = state;
  if (!range) return { ...rest };
  return { ...rest, from: new Date(now.getTime() - PRESET_MS[range]), to: undefined };
}

/**
 * The statuses a filter admits, or null for "any status". Exclude mode is turned into the
 * complement, and "stuck only" narrows to the statuses that can be stuck.
 */
export function effectiveStatuses(f: Pick<ExecutionFilters, "statuses" | "statusMode" | "stuck">): Status[] | null {
  let set: Status[] | null = null;
  if (f.statuses.length) set = f.statusMode === "exclude" ? STATUSES.filter((s) => !f.statuses.includes(s)) : STATUSES.filter((s) => f.statuses.includes(s));
  if (f.stuck) set = (set ?? [...STATUSES]).filter((s) => s === "SCHEDULED" || s === "RUNNING");
  if (set && set.length === STATUSES.length) return null;
  return set;
}

const HOUR_MS = 3_600_000;
export const isHourAligned = (d: Date) => d.getTime() % HOUR_MS === 0;

/**
 * Whether counters can be read from the hourly aggregate: only workflows and a time range whose
 * ends fall on whole hours (an open end is fine).
 */
export function canUseHourlyAggregate(f: ExecutionFilters): boolean {
  return (
    f.statuses.length === 0 &&
    !f.stuck &&
    !f.search &&
    f.metadata.length === 0 &&
    (!f.from || isHourAligned(f.from)) &&
    (!f.to || isHourAligned(f.to))
  );
}
