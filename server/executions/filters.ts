// The list's filters: the one resolved shape every reader takes (ExecutionFilter), and the zod
// schemas of the URL state for tRPC inputs and saved views, beside the URL codec
// (./filter-url.ts, zod-free for the browser) whose rules they share.
// Pure: no clock (presets resolve against a `now` passed in), no I/O.
import { z } from "zod";
import { STATUSES, type Status } from "./status";
import {
  MAX_KEY_LENGTH,
  MAX_METADATA_PAIRS,
  MAX_METADATA_VALUE_LENGTH,
  MAX_SEARCH_LENGTH,
  MAX_WORKFLOWS_IN_FILTER,
  RANGE_PRESETS,
  SEARCH_MODES,
  type ExecutionFilters,
  effectiveStatuses,
  type FilterUrlState,
} from "./filter-url";

export * from "./filter-url";

const statusSchema = z.enum(STATUSES);
const workflowKeySchema = z.string().min(1, "a workflow key must not be empty").max(MAX_KEY_LENGTH, `a workflow key is at most ${MAX_KEY_LENGTH} characters`);
const metadataPairSchema = z.object({
  key: z.string().min(1, "a metadata key must not be empty").max(MAX_KEY_LENGTH),
  value: z.string().max(MAX_METADATA_VALUE_LENGTH),
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
    search: z.string().min(1).max(MAX_SEARCH_LENGTH).optional(),
    searchMode: z.enum(SEARCH_MODES).default("contains"),
    metadata: z.array(metadataPairSchema).max(MAX_METADATA_PAIRS).default([]),
  })
  .refine((f) => !f.from || !f.to || f.from < f.to, { message: "from must be before to", path: ["to"] });

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
    search: z.string().min(1).max(MAX_SEARCH_LENGTH).optional(),
    searchMode: z.enum(SEARCH_MODES).default("contains"),
    metadata: z.array(metadataPairSchema).max(MAX_METADATA_PAIRS).default([]),
  })
  .refine((s) => !(s.range && (s.from || s.to)), { message: "use either range or from/to, not both", path: ["range"] })
  .refine((s) => !s.from || !s.to || s.from < s.to, { message: "from must be before to", path: ["to"] });



// the hand-written types of ./filter-url.ts and the schemas' outputs are the same shapes
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameFilters: Same<z.output<typeof executionFiltersSchema>, ExecutionFilters> = true;
const sameUrlState: Same<z.output<typeof filterUrlStateSchema>, FilterUrlState> = true;
void sameFilters;
void sameUrlState;

/**
 * Whether counts of these filters can be exact from the aggregates (server/dashboard/exact-counts.ts):
 * status, workflow, stuck and any time range can; an id or metadata search needs a capped scan.
 */
export function canCountExactly(f: ExecutionFilters): boolean {
  return !f.search && f.metadata.length === 0;
}

/**
 * Which executions a list, a count or a bulk job means, resolved: the one filter shape. The
 * dashboard's filters (toExecutionFilter) and the REST query (server/http/v1/executions.ts)
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

/** The dashboard's filters (decoded from the URL, time range resolved) as the one filter. */
export function toExecutionFilter(f: ExecutionFilters): ExecutionFilter {
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
