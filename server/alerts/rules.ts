// The alerting rules as plain functions of plain data: which stuck executions open an alert,
// which open alerts resolve, the failure-rate rule, storm grouping and the auto-timeout. The
// monitor's sweep (server/monitor/sweep.ts) feeds them rows and writes what they decide.
import type { Status } from "../executions/status";

export type StuckReason = "scheduled" | "running";
export type AlertReason = StuckReason | "failure_rate";
export type AlertState = "FIRING" | "ACKNOWLEDGED" | "RESOLVED";
export type Resolution = "moved_on" | "ended" | "gone" | "timed_out" | "manual" | "rate_recovered" | "rule_disabled";

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
