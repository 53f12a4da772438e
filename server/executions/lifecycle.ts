// The lifecycle rules of CONTRACT.md §1 as plain functions of plain data: no database, no clock.
// The ingestion service locks the execution row, calls applyEvent, and writes what it returns.
//
// The execution is a merge of facts: every field is a function of the *set* of its events, never
// of their arrival order (rule 8). Each field is a maximum (or minimum) over its events under an
// order that does not depend on arrival, so applying events one by one in any order ends in the
// same state. The outcome an event is answered with (applied, stale, …) still describes what it
// did on arrival; the facts it carries (its time, its attempt) count whatever its outcome.
import { RANK, isTerminal, type Status } from "./status";

export type ExecutionState = {
  status: Status;
  /** the highest attempt of any of the execution's events */
  attempt: number;
  /** attempt and eventId of the status event that decides `status` (see decides below) */
  statusAttempt: number;
  statusEventId: string | null;
  createdAt: Date;
  /** occurredAt of the deciding status event; completedAt once terminal */
  statusChangedAt: Date;
  scheduledAt: Date | null;
  startedAt: Date | null;
  /** the latest heartbeat of the highest attempt */
  lastHeartbeatAt: Date | null;
  /** the latest occurredAt of any event of the highest attempt; completedAt once terminal */
  lastEventAt: Date;
  completedAt: Date | null;
  durationMs: number | null;
  error: unknown;
  /** occurredAt and eventId of the active event whose error is shown (null once terminal, or when
   *  the error came from the terminal event or from an old attempt) */
  errorAt: Date | null;
  errorEventId: string | null;
  output: unknown;
  continuedAsNewToId: string | null;
};

export type LifecycleEvent =
  | {
      type: "status";
      status: Status;
      attempt: number;
      occurredAt: Date;
      /** breaks ties between events of the same occurredAt; absent in some tests */
      eventId?: string | null;
      error?: unknown;
      output?: unknown;
      continuedAsNewTo?: string;
    }
  | { type: "heartbeat"; attempt: number; occurredAt: Date; eventId?: string | null };

export type StatusEvent = Extract<LifecycleEvent, { type: "status" }>;

export type Outcome = "applied" | "duplicate" | "stale" | "rejected";

export type CounterDelta = {
  executionCount: 0 | 1;
  successCount: 0 | 1;
  failureCount: 0 | 1;
  cancelledCount: 0 | 1;
};

export type Decision = {
  outcome: Outcome;
  /** why an event changed no status; null when applied */
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
 * The verdict by status and attempt alone:
 * - terminal is final; the same terminal again is a duplicate;
 * - a terminal status always ends an active execution, whatever the attempt, so the result
 *   does not depend on arrival order;
 * - an active status from an older attempt is stale (its worker was replaced);
 * - a newer attempt may move an active execution anywhere, even back to PENDING or SCHEDULED;
 * - within one attempt active statuses only move forward by rank, except RUNNING ⇄ WAITING,
 *   which applyEvent then decides by occurredAt (the later one wins, whichever arrived first).
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

/** Compares two events by (occurredAt, eventId): negative when a is earlier. */
export function compareOccurrence(aAt: Date, aId: string | null | undefined, bAt: Date, bId: string | null | undefined): number {
  const d = aAt.getTime() - bAt.getTime();
  if (d !== 0) return d;
  const x = aId ?? "";
  const y = bId ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
}

const minDate = (a: Date | null, b: Date): Date => (a && a.getTime() <= b.getTime() ? a : b);
const maxDate = (a: Date | null, b: Date): Date => (a && a.getTime() >= b.getTime() ? a : b);

/**
 * Does an active status event take the decision over the current (active) deciding event?
 * The deciding event is the greatest under (attempt, rank, then: for RUNNING/WAITING the later
 * occurredAt and eventId; for PENDING/SCHEDULED the earlier, so it marks when the stage began).
 */
function decides(e: StatusEvent, s: ExecutionState): boolean {
  if (e.attempt !== s.statusAttempt) return e.attempt > s.statusAttempt;
  if (RANK[e.status] !== RANK[s.status]) return RANK[e.status] > RANK[s.status];
  const c = compareOccurrence(e.occurredAt, e.eventId, s.statusChangedAt, s.statusEventId);
  return RANK[e.status] === 2 ? c > 0 : c < 0;
}

/** The facts every event adds, whatever its outcome (rule 5): stage times, attempt, sign of life. */
function mergeFacts(s: ExecutionState, e: LifecycleEvent): ExecutionState {
  const at = e.occurredAt;
  const next = { ...s, createdAt: minDate(s.createdAt, at) };
  if (e.type === "status" && e.status === "SCHEDULED") next.scheduledAt = minDate(s.scheduledAt, at);
  if (e.type === "status" && RANK[e.status] === 2) next.startedAt = minDate(s.startedAt, at);
  if (e.attempt > s.attempt) {
    // a newer attempt: the replaced worker's signs of life no longer count
    next.attempt = e.attempt;
    next.lastEventAt = at;
    next.lastHeartbeatAt = e.type === "heartbeat" ? at : null;
    // an active execution shows the errors of its current attempt only
    if (!isTerminal(s.status) && s.errorAt) Object.assign(next, { error: null, errorAt: null, errorEventId: null });
  } else if (e.attempt === s.attempt) {
    next.lastEventAt = maxDate(s.lastEventAt, at);
    if (e.type === "heartbeat") next.lastHeartbeatAt = maxDate(s.lastHeartbeatAt, at);
  }
  return next;
}

/** The terminal event's own fields: completion time, error, output, successor. */
function takeTerminal(s: ExecutionState, e: StatusEvent): ExecutionState {
  return {
    ...s,
    status: e.status,
    statusAttempt: e.attempt,
    statusEventId: e.eventId ?? null,
    statusChangedAt: e.occurredAt,
    completedAt: e.occurredAt,
    error: e.error ?? null,
    errorAt: null,
    errorEventId: null,
    output: e.output ?? null,
    continuedAsNewToId: e.status === "CONTINUED_AS_NEW" ? (e.continuedAsNewTo ?? null) : null,
  };
}

/** An active execution shows the error of the latest active event of its highest attempt that carried one. */
function mergeActiveError(s: ExecutionState, e: StatusEvent): ExecutionState {
  if (e.error === undefined || isTerminal(s.status) || e.attempt < s.attempt) return s;
  if (s.errorAt && compareOccurrence(e.occurredAt, e.eventId, s.errorAt, s.errorEventId) <= 0) return s;
  return { ...s, error: e.error, errorAt: e.occurredAt, errorEventId: e.eventId ?? null };
}

/**
 * The derived fields of a terminal execution: its duration, and its last sign of life, which is
 * its end (so a late event of a finished execution writes nothing it does not change).
 */
function withDuration(s: ExecutionState): ExecutionState {
  const completedAt = s.completedAt;
  if (!isTerminal(s.status) || !completedAt) return s.durationMs === null ? s : { ...s, durationMs: null };
  const from = s.startedAt ?? s.createdAt;
  // clocks of different workers disagree; a negative duration helps nobody
  const durationMs = Math.max(0, completedAt.getTime() - from.getTime());
  if (durationMs === s.durationMs && s.lastEventAt.getTime() === completedAt.getTime()) return s;
  return { ...s, durationMs, lastEventAt: completedAt };
}

const sameTime = (a: Date | null, b: Date | null) => (a === null || b === null ? a === b : a.getTime() === b.getTime());

function sameState(a: ExecutionState, b: ExecutionState): boolean {
  return (
    a.status === b.status &&
    a.attempt === b.attempt &&
    a.statusAttempt === b.statusAttempt &&
    a.statusEventId === b.statusEventId &&
    sameTime(a.createdAt, b.createdAt) &&
    sameTime(a.statusChangedAt, b.statusChangedAt) &&
    sameTime(a.scheduledAt, b.scheduledAt) &&
    sameTime(a.startedAt, b.startedAt) &&
    sameTime(a.lastHeartbeatAt, b.lastHeartbeatAt) &&
    sameTime(a.lastEventAt, b.lastEventAt) &&
    sameTime(a.completedAt, b.completedAt) &&
    a.durationMs === b.durationMs &&
    a.error === b.error &&
    sameTime(a.errorAt, b.errorAt) &&
    a.errorEventId === b.errorEventId &&
    a.output === b.output &&
    a.continuedAsNewToId === b.continuedAsNewToId
  );
}

/** The state of an execution first seen through this status event. */
export function initialState(event: StatusEvent): ExecutionState {
  const at = event.occurredAt;
  const blank: ExecutionState = {
    status: event.status,
    attempt: event.attempt,
    statusAttempt: event.attempt,
    statusEventId: event.eventId ?? null,
    createdAt: at,
    statusChangedAt: at,
    scheduledAt: null,
    startedAt: null,
    lastHeartbeatAt: null,
    lastEventAt: at,
    completedAt: null,
    durationMs: null,
    error: null,
    errorAt: null,
    errorEventId: null,
    output: null,
    continuedAsNewToId: null,
  };
  let s = mergeFacts(blank, event);
  s = isTerminal(event.status) ? takeTerminal(s, event) : mergeActiveError(s, event);
  return withDuration(s);
}

const unchanged = (state: ExecutionState, outcome: Outcome, reason: string | null, next: ExecutionState): Decision => ({
  outcome,
  reason,
  next: sameState(next, state) ? state : next,
  counters: NO_COUNTERS,
  becameTerminal: false,
});

/**
 * Applies one event to an execution (null: not seen yet). Heartbeats for unknown executions
 * are the caller's to defer: they carry no status to create one with.
 */
export function applyEvent(state: ExecutionState | null, event: LifecycleEvent): Decision {
  if (state === null) {
    if (event.type !== "status") throw new Error("a heartbeat cannot create an execution");
    const next = initialState(event);
    const counters = isTerminal(event.status) ? { ...terminalCounters(event.status), executionCount: 1 as const } : { ...NO_COUNTERS, executionCount: 1 as const };
    return { outcome: "applied", reason: null, next, counters, becameTerminal: isTerminal(event.status) };
  }

  const facts = mergeFacts(state, event);

  if (event.type === "heartbeat") {
    if (isTerminal(state.status)) {
      return unchanged(state, "stale", `execution is already ${state.status}; heartbeat ignored`, withDuration(facts));
    }
    if (event.attempt < state.attempt) {
      return unchanged(state, "stale", `heartbeat from attempt ${event.attempt}, older than the current attempt ${state.attempt}`, facts);
    }
    return unchanged(state, "applied", null, facts);
  }

  if (isTerminal(state.status)) {
    const verdict = judgeTransition(state.status, state.statusAttempt, event.status, event.attempt);
    let next = facts;
    // The same terminal status again changes no status; of several such events the earliest
    // (occurredAt, eventId) is the one whose completion time, error and output count.
    if (event.status === state.status && compareOccurrence(event.occurredAt, event.eventId, state.completedAt!, state.statusEventId) < 0) {
      next = takeTerminal(facts, event);
    }
    return unchanged(state, verdict.outcome, verdict.reason, withDuration(next));
  }

  if (isTerminal(event.status)) {
    const next = withDuration(takeTerminal(facts, event));
    return { outcome: "applied", reason: null, next, counters: terminalCounters(event.status), becameTerminal: true };
  }

  const withError = mergeActiveError(facts, event);
  if (event.attempt < state.statusAttempt) {
    return unchanged(state, "stale", judgeTransition(state.status, state.statusAttempt, event.status, event.attempt).reason, withError);
  }
  if (!decides(event, state)) {
    if (event.status === state.status) return unchanged(state, "duplicate", `already ${state.status}`, withError);
    const reason =
      RANK[event.status] === RANK[state.status]
        ? `${event.status} occurred before the current ${state.status} (attempt ${state.statusAttempt}); between RUNNING and WAITING the later one decides`
        : judgeTransition(state.status, state.statusAttempt, event.status, event.attempt).reason;
    return unchanged(state, "stale", reason, withError);
  }
  const next: ExecutionState = {
    ...withError,
    status: event.status,
    statusAttempt: event.attempt,
    statusEventId: event.eventId ?? null,
    statusChangedAt: event.occurredAt,
  };
  // the same status of the same attempt again only moves when it began: still a duplicate
  if (event.status === state.status && event.attempt === state.statusAttempt) return unchanged(state, "duplicate", `already ${state.status}`, next);
  return { outcome: "applied", reason: null, next, counters: NO_COUNTERS, becameTerminal: false };
}

/** Folds a set of events, in the given order, into the execution they describe (null: none can create it). */
export function foldEvents(events: readonly LifecycleEvent[]): ExecutionState | null {
  let state: ExecutionState | null = null;
  const waiting: LifecycleEvent[] = [];
  for (const e of events) {
    if (state === null && e.type !== "status") {
      waiting.push(e);
      continue;
    }
    state = applyEvent(state, e).next;
    if (waiting.length) for (const w of waiting.splice(0)) state = applyEvent(state, w).next;
  }
  return state;
}
