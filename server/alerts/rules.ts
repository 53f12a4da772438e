// The alerting rules as plain functions of plain data: which stuck executions open an alert,
// which open alerts resolve, the failure-rate rule, storm grouping and the auto-timeout. The
// monitor's sweep (server/monitor/sweep.ts) feeds them rows and writes what they decide.
import type { Status } from "../executions/status";
import { firstDueAfter, isCronSchedule, MAX_SLOTS_PER_CHECK, missedAfter, missedSince, readSchedule, type MissedRun } from "../workflows/schedule";

export type StuckReason = "scheduled" | "running";
// alerts.reason, alert_storms.reason and alerts.resolution hold these (CHECK constraints, migration
// 20261201134000, kept equal by tests/integration/schema-upgrade.itest.ts)
export const ALERT_REASONS = ["scheduled", "running", "failure_rate", "missed"] as const;
export type AlertReason = (typeof ALERT_REASONS)[number];
export const ALERT_STATES = ["FIRING", "ACKNOWLEDGED", "RESOLVED"] as const;
export type AlertState = (typeof ALERT_STATES)[number];
export const RESOLUTIONS = ["moved_on", "ended", "gone", "timed_out", "manual", "rate_recovered", "rule_disabled", "ran", "schedule_changed", "schedule_removed"] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

const TERMINAL: ReadonlySet<Status> = new Set(["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT", "CONTINUED_AS_NEW"]);

/** An execution that the sweep found stuck (CONTRACT.md §2, evaluated in SQL). */
export type StuckRow = {
  orgId: string;
  executionId: string;
  workflowId: string;
  status: Status;
  reason: StuckReason;
  since: Date;
  thresholdSeconds: number;
  autoTimeoutMultiple: number | null;
};

/** An open (FIRING or ACKNOWLEDGED) alert about an execution, with that execution's status now. */
export type OpenExecutionAlert = {
  orgId: string;
  id: string;
  executionId: string;
  reason: StuckReason;
  since: Date;
  timedOutAt: Date | null;
  /** null when the execution no longer exists */
  currentStatus: Status | null;
};

export type StuckPlan = {
  create: StuckRow[];
  resolve: { alert: OpenExecutionAlert; resolution: Resolution }[];
  /** open alerts whose execution has been stuck for the workflow's auto-timeout multiple */
  timeOut: { alert: OpenExecutionAlert; stuck: StuckRow }[];
};

const keyOf = (orgId: string, executionId: string, reason: string) => `${orgId}\u0000${executionId}\u0000${reason}`;

/**
 * Compares what is stuck now with the open alerts: an execution stuck without an open alert for
 * that reason gets one; an open alert whose execution is no longer stuck for that reason resolves,
 * saying why.
 */
export function planStuckSweep(stuck: readonly StuckRow[], open: readonly OpenExecutionAlert[], now: Date): StuckPlan {
  const openByKey = new Map(open.map((a) => [keyOf(a.orgId, a.executionId, a.reason), a]));
  const stuckKeys = new Set<string>();
  const plan: StuckPlan = { create: [], resolve: [], timeOut: [] };
  for (const s of stuck) {
    const key = keyOf(s.orgId, s.executionId, s.reason);
    if (stuckKeys.has(key)) continue;
    stuckKeys.add(key);
    const alert = openByKey.get(key);
    if (!alert) {
      plan.create.push(s);
    } else if (alert.timedOutAt === null && autoTimeoutDue(s, now)) {
      plan.timeOut.push({ alert, stuck: s });
    }
  }
  for (const alert of open) {
    if (stuckKeys.has(keyOf(alert.orgId, alert.executionId, alert.reason))) continue;
    plan.resolve.push({ alert, resolution: resolutionFor(alert) });
  }
  return plan;
}

/** Why an execution's alert closes when the execution is no longer stuck. */
export function resolutionFor(alert: Pick<OpenExecutionAlert, "currentStatus" | "timedOutAt">): Resolution {
  if (alert.currentStatus === null) return "gone";
  if (alert.currentStatus === "TIMED_OUT" && alert.timedOutAt !== null) return "timed_out";
  if (TERMINAL.has(alert.currentStatus)) return "ended";
  return "moved_on";
}

/**
 * The optional per-workflow action: a stuck execution is marked TIMED_OUT once it has been
 * without progress for `multiple` times its threshold (off when the multiple is null).
 */
export function autoTimeoutDue(s: Pick<StuckRow, "since" | "thresholdSeconds" | "autoTimeoutMultiple">, now: Date): boolean {
  if (s.autoTimeoutMultiple === null || !(s.autoTimeoutMultiple > 0)) return false;
  return now.getTime() - s.since.getTime() > s.autoTimeoutMultiple * s.thresholdSeconds * 1000;
}

// --- Failure rate -----------------------------------------------------------------------------

export type FailureRateSettings = { enabled: boolean; percent: number; minExecutions: number; windowSeconds: number };

export const DEFAULT_FAILURE_RATE: FailureRateSettings = { enabled: true, percent: 20, minExecutions: 20, windowSeconds: 900 };

type Nullable<T> = { [K in keyof T]: T[K] | null | undefined };

/** A workflow's own settings fall back to its organization's, then to the defaults. */
export function effectiveFailureRate(org: Nullable<FailureRateSettings> | null, workflow: Nullable<FailureRateSettings> | null): FailureRateSettings {
  const pick = <K extends keyof FailureRateSettings>(k: K): FailureRateSettings[K] => (workflow?.[k] ?? org?.[k] ?? DEFAULT_FAILURE_RATE[k]) as FailureRateSettings[K];
  return { enabled: pick("enabled"), percent: pick("percent"), minExecutions: pick("minExecutions"), windowSeconds: pick("windowSeconds") };
}

export type FailureCounts = { failed: number; total: number };

/** More than `percent` % of at least `minExecutions` executions that finished within the window failed. */
export function failureRateOver(c: FailureCounts, s: FailureRateSettings): boolean {
  return s.enabled && c.total >= s.minExecutions && c.total > 0 && (c.failed * 100) / c.total > s.percent;
}

export type FailureRateAction = "fire" | "resolve" | "release_hold" | "none";

/**
 * Fires when the rate is over and nothing is open; resolves when it drops back (or the rule is
 * turned off). An alert resolved by hand while the rate was still high holds the rule until the
 * rate drops back, so it does not fire again at the next sweep.
 */
export function failureRateAction(c: FailureCounts, s: FailureRateSettings, state: { open: boolean; held: boolean }): FailureRateAction {
  const over = failureRateOver(c, s);
  if (over) return state.open || state.held ? "none" : "fire";
  if (state.open) return "resolve";
  if (state.held) return "release_hold";
  return "none";
}

export function failureRatePercent(c: FailureCounts): number {
  return c.total === 0 ? 0 : Math.round((c.failed * 10000) / c.total) / 100;
}

// --- Storm control ----------------------------------------------------------------------------

export type StormSettings = { threshold: number; windowSeconds: number };
export const DEFAULT_STORM: StormSettings = { threshold: 10, windowSeconds: 300 };

export type StormDecision =
  /** notify each new alert on its own */
  | { kind: "individual" }
  /** a storm is already under way: the new alerts join it silently */
  | { kind: "join"; stormId: string }
  /** this sweep tips the workflow over the threshold: one grouped notification per channel */
  | { kind: "start"; count: number };

/**
 * Storm control for one workflow: `newCount` alerts opened in this sweep, `recentCount` alerts
 * (including the new ones) opened within the window. More than `threshold` within one window
 * starts a storm; while alerts keep coming within the window, they join it.
 */
export function stormDecision(input: { newCount: number; recentCount: number; activeStormId: string | null }, s: StormSettings): StormDecision {
  if (input.newCount === 0) return { kind: "individual" };
  if (input.activeStormId !== null) return { kind: "join", stormId: input.activeStormId };
  if (input.recentCount > s.threshold) return { kind: "start", count: input.recentCount };
  return { kind: "individual" };
}

// --- Alert state machine ----------------------------------------------------------------------

export type Transition = "acknowledge" | "resolve";

/** FIRING → ACKNOWLEDGED → RESOLVED; FIRING → RESOLVED. Anything else is a conflict. */
export function canTransition(state: AlertState, t: Transition): boolean {
  if (t === "acknowledge") return state === "FIRING";
  return state === "FIRING" || state === "ACKNOWLEDGED";
}

// --- Missed runs ------------------------------------------------------------------------------

/** What an open (or the latest) missed-run alert remembers, in its `details`. */
export type MissedDetails = {
  /** the first missed slot */
  slot: string;
  /** the newest missed slot counted */
  lastSlot: string;
  count: number;
  /** the newest execution's creation when the alert fired (null: none yet); a newer one resolves it */
  lastExecutionAt: string | null;
  /** the schedule it was measured against: a changed schedule resolves it */
  scheduleSetAt: string;
};

export function readMissedDetails(raw: unknown): MissedDetails | null {
  if (!raw || typeof raw !== "object") return null;
  const d = raw as Record<string, unknown>;
  if (typeof d.slot !== "string" || typeof d.lastSlot !== "string" || typeof d.count !== "number" || typeof d.scheduleSetAt !== "string") return null;
  return { slot: d.slot, lastSlot: d.lastSlot, count: d.count, lastExecutionAt: typeof d.lastExecutionAt === "string" ? d.lastExecutionAt : null, scheduleSetAt: d.scheduleSetAt };
}

/** One scheduled workflow (or one with an open missed alert) as the missed-run check reads it. */
export type MissedInput = {
  schedule: unknown;
  scheduleSetAt: Date | null;
  /** the newest execution's createdAt */
  lastExecutionAt: Date | null;
  /** the workflow's latest missed alert, open or not */
  latest: { open: boolean; details: MissedDetails | null } | null;
};

export type MissedAction =
  /** nothing to do; `recheckAt`: no slot can be missed before then (null: look again next time) */
  | { kind: "none"; recheckAt: Date | null }
  | { kind: "fire"; run: MissedRun; details: MissedDetails; stepped: number }
  | { kind: "count"; details: MissedDetails; stepped: number }
  | { kind: "resolve"; resolution: Extract<Resolution, "ran" | "schedule_changed" | "schedule_removed"> };

const later = (...ds: (Date | null | undefined)[]): Date | null => ds.reduce<Date | null>((m, d) => (d && (!m || d.getTime() > m.getTime()) ? d : m), null);

/**
 * The missed-run rule for one workflow at `now` (CONTRACT.md §2). An open alert resolves when
 * an execution newer than the one it saw is created, or when the schedule changed or was
 * removed; otherwise it counts further missed slots. Without an open alert, slots are looked
 * for after the newest execution, the moment the schedule was set and the last slot an earlier
 * alert counted (so an alert resolved by hand does not fire again for the same slots).
 */
export function missedRunAction(w: MissedInput, now: Date, slotLimit = MAX_SLOTS_PER_CHECK): MissedAction {
  const schedule = readSchedule(w.schedule);
  const open = w.latest?.open ? w.latest.details : null;
  if (w.latest?.open) {
    if (!schedule || !w.scheduleSetAt) return { kind: "resolve", resolution: "schedule_removed" };
    if (!open || open.scheduleSetAt !== w.scheduleSetAt.toISOString()) return { kind: "resolve", resolution: "schedule_changed" };
    const seen = open.lastExecutionAt ? Date.parse(open.lastExecutionAt) : -Infinity;
    if (w.lastExecutionAt && w.lastExecutionAt.getTime() > seen) return { kind: "resolve", resolution: "ran" };
    const more = missedAfter(schedule, new Date(open.lastSlot), now, slotLimit);
    if (more.count === 0) return { kind: "none", recheckAt: null };
    return { kind: "count", details: { ...open, count: open.count + more.count, lastSlot: more.lastSlot.toISOString() }, stepped: isCronSchedule(schedule) ? more.count : 0 };
  }
  if (!schedule || !w.scheduleSetAt) return { kind: "none", recheckAt: null };
  const previous = w.latest?.details && w.latest.details.scheduleSetAt === w.scheduleSetAt.toISOString() ? new Date(w.latest.details.lastSlot) : null;
  const anchor = later(w.lastExecutionAt, w.scheduleSetAt, previous)!;
  const run = missedSince(schedule, anchor, now, slotLimit);
  // a schedule that never matches again needs no check until it changes (which clears this)
  if (!run) return { kind: "none", recheckAt: firstDueAfter(schedule, anchor) ?? new Date(8.64e15) };
  return {
    kind: "fire",
    run,
    stepped: isCronSchedule(schedule) ? run.count : 0,
    details: { slot: run.slot.toISOString(), lastSlot: run.lastSlot.toISOString(), count: run.count, lastExecutionAt: w.lastExecutionAt?.toISOString() ?? null, scheduleSetAt: w.scheduleSetAt.toISOString() },
  };
}
