// The lifecycle rules of CONTRACT.md §1 as plain functions of plain data: no database, no clock.
// The ingestion service locks the execution row, calls applyEvent, and writes what it returns.
import { RANK, isTerminal, type Status } from "./status";

export type ExecutionState = {
  status: Status;
  attempt: number;
  createdAt: Date;
  statusChangedAt: Date;
  scheduledAt: Date | null;
  startedAt: Date | null;
  lastHeartbeatAt: Date | null;
  lastEventAt: Date;
  completedAt: Date | null;
  durationMs: number | null;
  error: unknown;
  output: unknown;
  continuedAsNewToId: string | null;
};

export type LifecycleEvent =
  | {
      type: "status";
      status: Status;
      attempt: number;
      occurredAt: Date;
      error?: unknown;
      output?: unknown;
      continuedAsNewTo?: string;
    }
  | { type: "heartbeat"; attempt: number; occurredAt: Date };

export type Outcome = "applied" | "duplicate" | "stale" | "rejected";

export type CounterDelta = {
  executionCount: 0 | 1;
  successCount: 0 | 1;
  failureCount: 0 | 1;
  cancelledCount: 0 | 1;
};

export type Decision = {
  outcome: Outcome;
  /** why an event changed nothing; null when applied */
  reason: string | null;
  /** the state after the event (the same object as before when nothing changed) */
  next: ExecutionState;
  counters: CounterDelta;
  /** true when this event moved the execution into a terminal status */
  becameTerminal: boolean;
};

const NO_COUNTERS: CounterDelta = { executionCount: 0, successCount: 0, failureCount: 0, cancelledCount: 0 };

/** The counter a terminal status moves (rule 6). */
export function terminalCounters(status: Status): CounterDelta {
  return {
    executionCount: 0,
    successCount: status === "COMPLETED" ? 1 : 0,
    failureCount: status === "FAILED" || status === "TIMED_OUT" ? 1 : 0,
    cancelledCount: status === "CANCELLED" ? 1 : 0,
  };
}

export type TransitionVerdict = { outcome: Outcome; reason: string | null };

/**
 * May an execution in `current` (at `currentAttempt`) move to `incoming` (at `incomingAttempt`)?
 * - terminal is final; the same terminal again is a duplicate;
 * - a terminal status always ends an active execution, whatever the attempt, so the result
 *   does not depend on arrival order;
 * - an active status from an older attempt is stale (its worker was replaced);
 * - a newer attempt may move an active execution anywhere, even back to PENDING or SCHEDULED;
 * - within one attempt active statuses only move forward by rank, except RUNNING ⇄ WAITING.
 */
export function judgeTransition(current: Status, currentAttempt: number, incoming: Status, incomingAttempt: number): TransitionVerdict {
  if (isTerminal(current)) {
    if (incoming === current) return { outcome: "duplicate", reason: `already ${current}` };
    return { outcome: "rejected", reason: `execution is already ${current}; a terminal status is final` };
  }
  if (isTerminal(incoming)) return { outcome: "applied", reason: null };
  if (incomingAttempt < currentAttempt) {
    return { outcome: "stale", reason: `attempt ${incomingAttempt} is older than the current attempt ${currentAttempt}` };
  }
  if (incomingAttempt > currentAttempt) return { outcome: "applied", reason: null };
  if (incoming === current) return { outcome: "duplicate", reason: `already ${current}` };
  if (RANK[incoming] > RANK[current]) return { outcome: "applied", reason: null };
  if (RANK[incoming] === RANK[current]) return { outcome: "applied", reason: null }; // RUNNING ⇄ WAITING
  return {
    outcome: "stale",
    reason: `${incoming} is behind ${current} (attempt ${currentAttempt}); a retry must carry a higher attempt`,
  };
}

function laterOf(a: Date | null, b: Date): Date {
  return a && a.getTime() >= b.getTime() ? a : b;
}

function enterStatus(state: ExecutionState, event: Extract<LifecycleEvent, { type: "status" }>): ExecutionState {
  const at = event.occurredAt;
  const next: ExecutionState = {
    ...state,
    status: event.status,
    attempt: Math.max(state.attempt, event.attempt),
    statusChangedAt: at,
    lastEventAt: laterOf(state.lastEventAt, at),
  };
  if (event.status === "SCHEDULED") next.scheduledAt ??= at;
  if (event.status === "RUNNING" || event.status === "WAITING") next.startedAt ??= at;
  if (isTerminal(event.status)) {
    next.completedAt = at;
    const from = next.startedAt ?? next.createdAt;
    // clocks of different workers disagree; a negative duration helps nobody
    next.durationMs = Math.max(0, at.getTime() - from.getTime());
    if (event.error !== undefined) next.error = event.error;
    // an error left by an earlier attempt must not hang on a run that succeeded
    else if (event.status === "COMPLETED") next.error = null;
    if (event.output !== undefined) next.output = event.output;
    if (event.status === "CONTINUED_AS_NEW" && event.continuedAsNewTo) next.continuedAsNewToId = event.continuedAsNewTo;
  } else if (event.error !== undefined) {
    // an active status with an error (a retry after a failure) keeps the last error visible
    next.error = event.error;
  }
  return next;
}

/** The state of an execution first seen through this status event. */
export function initialState(event: Extract<LifecycleEvent, { type: "status" }>): ExecutionState {
  const blank: ExecutionState = {
    status: event.status,
    attempt: event.attempt,
    createdAt: event.occurredAt,
    statusChangedAt: event.occurredAt,
    scheduledAt: null,
    startedAt: null,
    lastHeartbeatAt: null,
    lastEventAt: event.occurredAt,
    completedAt: null,
    durationMs: null,
    error: null,
    output: null,
    continuedAsNewToId: null,
  };
  return enterStatus(blank, event);
}

/**
 * Applies one event to an execution (null: not seen yet). Heartbeats for unknown executions
 * are the caller's to refuse: they carry no status to create one with.
 */
export function applyEvent(state: ExecutionState | null, event: LifecycleEvent): Decision {
  if (state === null) {
    if (event.type !== "status") throw new Error("a heartbeat cannot create an execution");
    const next = initialState(event);
    const counters = isTerminal(event.status) ? { ...terminalCounters(event.status), executionCount: 1 as const } : { ...NO_COUNTERS, executionCount: 1 as const };
    return { outcome: "applied", reason: null, next, counters, becameTerminal: isTerminal(event.status) };
  }

  if (event.type === "heartbeat") {
    if (isTerminal(state.status)) {
      return { outcome: "stale", reason: `execution is already ${state.status}; heartbeat ignored`, next: state, counters: NO_COUNTERS, becameTerminal: false };
    }
    if (event.attempt < state.attempt) {
      return {
        outcome: "stale",
        reason: `heartbeat from attempt ${event.attempt}, older than the current attempt ${state.attempt}`,
        next: state,
        counters: NO_COUNTERS,
        becameTerminal: false,
      };
    }
    const next = {
      ...state,
      lastHeartbeatAt: laterOf(state.lastHeartbeatAt, event.occurredAt),
      lastEventAt: laterOf(state.lastEventAt, event.occurredAt),
    };
    return { outcome: "applied", reason: null, next, counters: NO_COUNTERS, becameTerminal: false };
  }

  const verdict = judgeTransition(state.status, state.attempt, event.status, event.attempt);
  if (verdict.outcome !== "applied") {
    return { outcome: verdict.outcome, reason: verdict.reason, next: state, counters: NO_COUNTERS, becameTerminal: false };
  }
  const next = enterStatus(state, event);
  const becameTerminal = isTerminal(event.status);
  return { outcome: "applied", reason: null, next, counters: becameTerminal ? terminalCounters(event.status) : NO_COUNTERS, becameTerminal };
}
