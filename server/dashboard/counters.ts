// The counters above the list: total, per status, stuck and the success rate for the current
// filters and range. Two ways, and the output says which one answered:
// - "hourly": only workflows and an hour-aligned range are set. Terminal counts are sums from the
//   hourly aggregate (executions that finished in the range), active counts come from the
//   active-executions partial index (executions created in the range that are still active). The
//   cost depends on hours × workflows and the number of active executions, never on history.
// - "executions": any other filter. Every counter is a capped count over the list's own query
//   (created in the range), exact up to 10,000 and then "10,000+".
import { z } from "zod";
import { readPool } from "../db/client";
import { countExecutionsCapped, STUCK_REASON_SQL } from "../executions/read";
import { COUNT_CAP } from "../paging/limits";
import type { Status } from "../executions/status";
import { canUseHourlyAggregate, executionFiltersSchema, type ExecutionFilters } from "./filters";
import { formatCappedCount } from "./capped-count";
import { cappedCountSchema, toListFilter, type CappedCount } from "./list";

export const countersInputSchema = z.object({
  filters: executionFiltersSchema.default(executionFiltersSchema.parse({})),
});
export type CountersInput = z.input<typeof countersInputSchema>;

export const countersOutputSchema = z.object({
  source: z.enum(["hourly", "executions"]),
  /** what the numbers count, in words, for a tooltip */
  basis: z.string(),
  total: cappedCountSchema,
  completed: cappedCountSchema,
  failed: cappedCountSchema,
  cancelled: cappedCountSchema,
  timedOut: cappedCountSchema,
  continuedAsNew: cappedCountSchema,
  pending: cappedCountSchema,
  scheduled: cappedCountSchema,
  running: cappedCountSchema,
  waiting: cappedCountSchema,
  stuck: cappedCountSchema,
  /** completed / (completed + failed + timed out); null when none finished or a count is capped */
  successRate: z.number().nullable(),
});
export type CountersOutput = z.infer<typeof countersOutputSchema>;

const COUNTER_STATUS = {
  completed: "COMPLETED",
  failed: "FAILED",
  cancelled: "CANCELLED",
  timedOut: "TIMED_OUT",
  continuedAsNew: "CONTINUED_AS_NEW",
  pending: "PENDING",
  scheduled: "SCHEDULED",
  running: "RUNNING",
  waiting: "WAITING",
} as const satisfies Record<string, Status>;
type StatusCounter = keyof typeof COUNTER_STATUS;

const exact = (n: number): CappedCount => ({ count: n, capped: false, display: formatCappedCount(n, false) });

export function successRate(completed: CappedCount, failed: CappedCount, timedOut: CappedCount): number | null {
  if (completed.capped || failed.capped || timedOut.capped) return null;
  const finished = completed.count + failed.count + timedOut.count;
  return finished === 0 ? null : completed.count / finished;
}

export async function getCounters(orgId: string, input: CountersInput): Promise<CountersOutput> {
  const { filters } = countersInputSchema.parse(input);
  return canUseHourlyAggregate(filters) ? countersFromHourly(orgId, filters) : countersFromExecutions(orgId, filters);
}

async function countersFromHourly(orgId: string, f: ExecutionFilters): Promise<CountersOutput> {
  const values: unknown[] = [orgId, f.from ?? null, f.to ?? null];
  const inWorkflows = (column: string) => {
    if (!f.workflows.length) return "";
    values.push(f.workflows);
    return `AND ${column} IN (SELECT id FROM workflows WHERE "orgId" = $1 AND key = ANY($4::text[]))`;
  };
  const wfHourly = inWorkflows(`h."workflowId"`);
  const wfExec = f.workflows.length ? `AND e."workflowId" IN (SELECT id FROM workflows WHERE "orgId" = $1 AND key = ANY($4::text[]))` : "";
  const [terminal, active] = await Promise.all([
    readPool().query<{ status: Status; n: string }>(
      `SELECT h.status, sum(h.count)::bigint AS n FROM execution_hourly h
        WHERE h."orgId" = $1 AND ($2::timestamptz IS NULL OR h.hour >= $2) AND ($3::timestamptz IS NULL OR h.hour < $3) ${wfHourly}
        GROUP BY h.status`,
      values,
    ),
    readPool().query<{ status: Status; n: string; stuck: string }>(
      `SELECT e.status, count(*)::bigint AS n, count(*) FILTER (WHERE (${STUCK_REASON_SQL}) IS NOT NULL)::bigint AS stuck
         FROM executions e
         JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
         JOIN organizations o ON o.id = e."orgId"
        WHERE e."orgId" = $1 AND e.status IN ('PENDING', 'SCHEDULED', 'RUNNING', 'WAITING')
          AND ($2::timestamptz IS NULL OR e."createdAt" >= $2) AND ($3::timestamptz IS NULL OR e."createdAt" < $3) ${wfExec}
        GROUP BY e.status`,
      values,
    ),
  ]);
  const by = new Map<Status, number>();
  for (const r of [...terminal.rows, ...active.rows]) by.set(r.status, (by.get(r.status) ?? 0) + Number(r.n));
  const stuck = active.rows.reduce((s, r) => s + Number(r.stuck), 0);
  const counters = Object.fromEntries(Object.entries(COUNTER_STATUS).map(([k, s]) => [k, exact(by.get(s) ?? 0)])) as Record<StatusCounter, CappedCount>;
  const total = [...by.values()].reduce((a, b) => a + b, 0);
  return {
    source: "hourly",
    basis: "finished executions by the hour they finished in the range, plus active executions created in the range",
    total: exact(total),
    ...counters,
    stuck: exact(stuck),
    successRate: successRate(counters.completed, counters.failed, counters.timedOut),
  };
}

async function countersFromExecutions(orgId: string, f: ExecutionFilters): Promise<CountersOutput> {
  const base = toListFilter(f);
  const admitted = base.statuses ?? null;
  const count = async (status: Status | null, stuck?: true): Promise<CappedCount> => {
    let statuses = admitted;
    if (status) statuses = (admitted ?? [status]).filter((s) => s === status);
    const { count: n, capped } = await countExecutionsCapped(orgId, { ...base, statuses, stuck: stuck ?? base.stuck }, { cap: COUNT_CAP });
    return { count: n, capped, display: formatCappedCount(n, capped) };
  };
  const entries = Object.entries(COUNTER_STATUS) as [StatusCounter, Status][];
  const [total, stuck, ...perStatus] = await Promise.all([count(null), count(null, true), ...entries.map(([, s]) => count(s))]);
  const counters = Object.fromEntries(entries.map(([k], i) => [k, perStatus[i]!])) as Record<StatusCounter, CappedCount>;
  return {
    source: "executions",
    basis: "executions matching the filters, created in the range; exact up to 10,000",
    total: total!,
    ...counters,
    stuck: stuck!,
    successRate: successRate(counters.completed, counters.failed, counters.timedOut),
  };
}
