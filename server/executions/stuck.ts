// Stuck rules of CONTRACT.md §2 as a pure function. The SQL in server/executions/queries.ts
// mirrors it for lists and the monitor's sweep; tests hold the two to the same answers.
import type { Status } from "./status";

export type StuckThresholds = { stuckScheduledAfterSeconds: number; stuckRunningAfterSeconds: number };
export type StuckReason = "scheduled" | "running";

export type StuckInput = {
  status: Status;
  statusChangedAt: Date;
  startedAt: Date | null;
  lastHeartbeatAt: Date | null;
  lastEventAt: Date | null;
};

export const DEFAULT_THRESHOLDS: StuckThresholds = { stuckScheduledAfterSeconds: 300, stuckRunningAfterSeconds: 1800 };

/** The newest sign of life of a running execution; a missing heartbeat falls back to startedAt. */
export function lastSignOfLife(e: StuckInput): Date {
  const candidates = [e.startedAt, e.lastHeartbeatAt, e.lastEventAt, e.statusChangedAt].filter((d): d is Date => d !== null);
  return new Date(Math.max(...candidates.map((d) => d.getTime())));
}

export type StuckVerdict = { reason: StuckReason; since: Date } | null;

/** Why (and since when) an execution is stuck at `now`, or null when it is not. */
export function stuckVerdict(e: StuckInput, t: StuckThresholds, now: Date): StuckVerdict {
  if (e.status === "SCHEDULED") {
    const since = e.statusChangedAt;
    return now.getTime() - since.getTime() > t.stuckScheduledAfterSeconds * 1000 ? { reason: "scheduled", since } : null;
  }
  if (e.status === "RUNNING") {
    const since = lastSignOfLife(e);
    return now.getTime() - since.getTime() > t.stuckRunningAfterSeconds * 1000 ? { reason: "running", since } : null;
  }
  return null;
}

/** Workflow overrides fall back to the organization's defaults. */
export function effectiveThresholds(
  org: StuckThresholds,
  workflow: { stuckScheduledAfterSeconds: number | null; stuckRunningAfterSeconds: number | null },
): StuckThresholds {
  return {
    stuckScheduledAfterSeconds: workflow.stuckScheduledAfterSeconds ?? org.stuckScheduledAfterSeconds,
    stuckRunningAfterSeconds: workflow.stuckRunningAfterSeconds ?? org.stuckRunningAfterSeconds,
  };
}
