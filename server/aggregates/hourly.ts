// The hourly aggregate of terminal executions (execution_hourly, read by the charts): the cell an
// execution counts in and what it adds there. Ingestion (server/ingest/service.ts) and the bulk
// generator (server/gen/run.ts) both build their rows with these, so a generated database equals
// what ingesting the same events would have written, and `runwatch verify` agrees with both.
import type { ExecutionState } from "../executions/lifecycle";
import { isTerminal, type Status } from "../executions/status";
import { bucketOf, emptyHistogram } from "../metrics/histogram";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Where one execution counts: the UTC hour it completed in, its status, and its duration. */
export type HourlyContribution = { hour: Date; status: Status; durationMs: number };

/** The counted part of an execution_hourly row. */
export type DurationTotals = { count: number; durationSumMs: number; histogram: number[] };

/** What one execution adds to execution_hourly; null until it is terminal with a duration. */
export function hourlyContribution(s: Pick<ExecutionState, "status" | "completedAt" | "durationMs"> | null): HourlyContribution | null {
  if (!s || !isTerminal(s.status) || !s.completedAt || s.durationMs === null) return null;
  return { hour: new Date(Math.floor(s.completedAt.getTime() / HOUR_MS) * HOUR_MS), status: s.status, durationMs: s.durationMs };
}

/** The key of a contribution's cell among one organization's cells. */
export function hourlyKey(workflowId: string, c: HourlyContribution): string {
  return `${workflowId}|${c.hour.toISOString()}|${c.status}`;
}

export function emptyTotals(): DurationTotals {
  return { count: 0, durationSumMs: 0, histogram: emptyHistogram() };
}

/** Counts one execution's duration into a cell (sign 1), or takes it back out (sign -1). */
export function addDuration(totals: DurationTotals, durationMs: number, sign: 1 | -1 = 1): void {
  totals.count += sign;
  totals.durationSumMs += sign * durationMs;
  totals.histogram[bucketOf(durationMs)]! += sign;
}
