// The list's filters: the one resolved shape every reader takes (ExecutionFilter), and the zod
// schemas of the URL state for tRPC inputs and saved views, beside the URL codec
// (./filter-url.ts, zod-free for the browser) whose rules they share.
// Pure: no clock (presets resolve against a `now` passed in), no I/O.
import { z } from "zod";
import { BadRequestError } from "../errors";
import { STATUSES, type Status } from "./status";
import {
  MAX_KEY_LENGTH,
  MAX_METADATA_PAIRS,
  MAX_METADATA_VALUE_LENGTH,
  MAX_SEARCH_LENGTH,
  MAX_WORKFLOWS_IN_FILTER,
  RANGE_PRESETS,
  SEARCH_MODES,
  effectiveStatuses,
  parseFilterQuery,
  timeRangeOf,
  type FilterUrlState,
} from "./filter-url";

export * from "./filter-url";

const statusSchema = z.enum(STATUSES);
const workflowKeySchema = z.string().min(1, "a workflow key must not be empty").max(MAX_KEY_LENGTH, `a workflow key is at most ${MAX_KEY_LENGTH} characters`);
const metadataPairSchema = z.object({
  key: z.string().min(1, "a metadata key must not be empty").max(MAX_KEY_LENGTH),
  value: z.string().max(MAX_METADATA_VALUE_LENGTH),
});

/** The decoded URL state: the filters, with a preset range or from/to. */
export const filterUrlStateSchema = z
  .object({
    statuses: z.array(statusSchema).max(STATUSES.length).default([]),
    statusMode: z.enum(["include", "exclude"]).default("include"),
    stuck: z.boolean().default(false),
    workflows: z.array(workflowKeySchema).max(MAX_WORKFLOWS_IN_FILTER).default([]),
    range: z.enum(RANGE_PRESETS).optional(),
    from: z.date().optional(),
    to: z.date().optional(),
    search: z.string().min(1).max(MAX_SEARCH_LENGTH).optional(),
    searchMode: z.enum(SEARCH_MODES).default("contains"),
    metadata: z.array(metadataPairSchema).max(MAX_METADATA_PAIRS).default([]),
  })
  .refine((s) => !(s.range && (s.from || s.to)), { message: "use either range or from/to, not both", path: ["range"] })
  .refine((s) => !s.from || !s.to || s.from < s.to, { message: "from must be before to", path: ["to"] });
export type FilterUrlStateInput = z.input<typeof filterUrlStateSchema>;

// the hand-written types of ./filter-url.ts and the schemas' outputs are the same shapes
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameUrlState: Same<z.output<typeof filterUrlStateSchema>, FilterUrlState> = true;
void sameUrlState;

/**
 * Which executions a list, a count or a bulk job means, resolved: the one filter shape. The
 * list's URL query (filterOfQuery) and the REST query (server/http/v1/executions.ts)
 * are each turned into it once; bulk jobs store it as JSON.
 */
export type ExecutionFilter = {
  /** statuses admitted; undefined or null: any; []: none */
  statuses?: Status[] | null;
  /** workflow keys; undefined or []: any */
  workflows?: string[];
  /** true: only stuck; false: only not stuck; undefined: either */
  stuck?: boolean;
  /** createdAt in [createdFrom, createdTo) */
  createdFrom?: Date;
  createdTo?: Date;
  /** contains: a substring of the execution id or of the workflow key (trigram index) */
  executionId?: { value: string; mode: "exact" | "prefix" | "contains" };
  /** jsonb containment: every pair must be in the execution's metadata */
  metadata?: Record<string, string> | null;
};

/** The filter a URL state means: a preset range resolved against `now`, exclude mode as the complement. */
export function filterOfUrlState(state: FilterUrlState, now: Date): ExecutionFilter {
  const metadata: Record<string, string> = {};
  let contradictory = false;
  for (const { key, value } of state.metadata) {
    // two values for one key can never both be contained
    if (key in metadata && metadata[key] !== value) contradictory = true;
    metadata[key] = value;
  }
  const { from, to } = timeRangeOf(state, now);
  return {
    statuses: contradictory ? [] : effectiveStatuses(state),
    workflows: state.workflows,
    stuck: state.stuck ? true : undefined,
    createdFrom: from,
    createdTo: to,
    executionId: state.search ? { value: state.search, mode: state.searchMode } : undefined,
    metadata: state.metadata.length ? metadata : null,
  };
}

/** The list's URL query string, strictly: an invalid filter is a BAD_REQUEST that names the key and what to send instead. */
export function urlStateOfQuery(query: string): FilterUrlState {
  const parsed = parseFilterQuery(query, { strict: true });
  if (!parsed.ok) throw new BadRequestError(`invalid filters: ${parsed.issues.map((i) => i.message).join("; ")}`);
  return parsed.state;
}

/** The filter of a list's URL query string (tRPC, saved views, bulk jobs); BAD_REQUEST when invalid. */
export function filterOfQuery(query: string, now: Date): ExecutionFilter {
  return filterOfUrlState(urlStateOfQuery(query), now);
}

/**
 * Whether counts of this filter can be exact from the aggregates (server/aggregates/exact-counts.ts):
 * status, workflow, stuck and any time range can; an id or metadata search (or "not stuck")
 * needs a capped scan.
 */
export function canCountExactly(f: ExecutionFilter): boolean {
  return !hasSearch(f) && f.stuck !== false;
}

/** Whether the filter searches: by execution id (any mode) or by metadata pairs. */
export function hasSearch(f: ExecutionFilter): boolean {
  return Boolean(f.executionId) || Object.keys(f.metadata ?? {}).length > 0;
}
