// Exact counts of the list's executions (created in the range) by status, for every filter but
// the id and metadata searches. Terminal executions come from the aggregates: the running totals
// when there is no range and no workflow, else the created-at rollup over whole days and hours,
// with the ragged edges (under an hour each) counted from executions by index. Active ones come
// from the running totals too with no range and no workflow, else from the active-executions
// partial indexes; stuck is their SCHEDULED and RUNNING count minus the ones the rule finds not
// stuck, which lie in a range of the org-leading partial indexes. Both parts are one statement
// (./queries.ts), so a count is one round trip. The cost depends on days, hours × workflows and
// the size of the active set, never on history.
import type { ReadContext } from "../context";
import { replicaFor } from "../db/client";
import { ACTIVE_STATUSES, STATUSES, TERMINAL_STATUSES, type Status } from "../executions/status";
import type { ExecutionFilter } from "../executions/filters";
import { exactCountRows, explainableExactCountParts, type ExactCountInput } from "./queries";

export type ExactCounts = {
  /** executions per current status (with the stuck filter: the stuck ones) */
  by: Record<Status, number>;
  total: number;
  /** of those, how many are stuck now (0 unless asked for, or with the stuck filter) */
  stuck: number;
};

const isActive = (s: Status) => (ACTIVE_STATUSES as readonly Status[]).includes(s);
const isTerminalStatus = (s: Status) => (TERMINAL_STATUSES as readonly Status[]).includes(s);

/** `stuck`: also count how many are stuck (the counters show it; the list's total does not). */
function countInput(orgId: string, f: ExecutionFilter, stuck: boolean): ExactCountInput {
  const admitted = f.statuses ?? [...STATUSES];
  return {
    orgId,
    active: admitted.filter(isActive),
    // stuck executions are active: with the stuck filter no terminal one counts
    terminal: f.stuck ? [] : admitted.filter(isTerminalStatus),
    workflows: f.workflows?.length ? f.workflows : null,
    from: f.createdFrom,
    to: f.createdTo,
    // the stuck filter counts by the rule whatever the caller wants shown
    stuck: stuck || f.stuck === true,
  };
}

export async function exactCounts(ctx: ReadContext, f: ExecutionFilter, opts: { stuck: boolean } = { stuck: true }): Promise<ExactCounts> {
  const by = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  const out: ExactCounts = { by, total: 0, stuck: 0 };
  for (const r of await exactCountRows(replicaFor(ctx), countInput(ctx.orgId, f, opts.stuck))) {
    by[r.status] += f.stuck ? r.stuck : r.n;
    out.stuck += r.stuck;
  }
  out.total = STATUSES.reduce((sum, s) => sum + by[s], 0);
  return out;
}

/** The SQL of an exact count: its terminal part, its active part, and the one statement it runs, for EXPLAIN in tests. */
export function explainableExactCountQueries(orgId: string, f: ExecutionFilter, opts: { stuck: boolean } = { stuck: true }) {
  return explainableExactCountParts(countInput(orgId, f, opts.stuck));
}
