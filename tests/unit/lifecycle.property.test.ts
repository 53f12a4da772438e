// Property tests of the lifecycle rules: whatever order an execution's events arrive in (with
// duplicates and retries), terminal is final, the outcome does not depend on the order, counters
// equal a recount, and applying the same event twice changes nothing.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { applyEvent, foldEvents, type CounterDelta, type Decision, type ExecutionState, type LifecycleEvent } from "../../server/executions/lifecycle";
import type { Status } from "../../server/executions/status";

const RUNS = 500;

// From the contract's table, deliberately not imported from the module under test.
const ACTIVE: Status[] = ["PENDING", "SCHEDULED", "RUNNING", "WAITING"];
const TERMINAL: Status[] = ["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT", "CONTINUED_AS_NEW"];
const RANK: Record<Status, number> = {
  PENDING: 0,
  SCHEDULED: 1,
  RUNNING: 2,
  WAITING: 2,
  COMPLETED: 3,
  FAILED: 3,
  CANCELLED: 3,
  TIMED_OUT: 3,
  CONTINUED_AS_NEW: 3,
};
const isTerminal = (s: Status) => TERMINAL.includes(s);

const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const occurredAt = fc.integer({ min: 0, max: 3_600 }).map((s) => new Date(T0 + s * 1000));
const attempt = fc.integer({ min: 1, max: 3 });

type StatusEvent = Extract<LifecycleEvent, { type: "status" }>;

// Every event object gets an eventId of its own (a redelivery is the same object, so the same
// id), as the service gives the lifecycle: it breaks ties between events of the same occurredAt.
const ids = new WeakMap<object, string>();
let nextId = 0;
function withIds(events: LifecycleEvent[]): LifecycleEvent[] {
  return events.map((e) => {
    if (!ids.has(e)) ids.set(e, `ev-${String(nextId++).padStart(8, "0")}`);
    return { ...e, eventId: ids.get(e)! };
  });
}

function statusEventOf(statuses: Status[]): fc.Arbitrary<StatusEvent> {
  return fc
    .record({
      status: fc.constantFrom(...statuses),
      attempt,
      occurredAt,
      error: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
      output: fc.option(fc.integer(), { nil: undefined }),
      continuedAsNewTo: fc.option(fc.constantFrom("next-a", "next-b"), { nil: undefined }),
    })
    .map(({ status, attempt, occurredAt, error, output, continuedAsNewTo }) => {
      const e: StatusEvent = { type: "status", status, attempt, occurredAt };
      if (error !== undefined) e.error = error;
      if (output !== undefined) e.output = output;
      if (continuedAsNewTo !== undefined) e.continuedAsNewTo = continuedAsNewTo;
      return e;
    });
}
const heartbeatEvent: fc.Arbitrary<LifecycleEvent> = fc.record({ type: fc.constant("heartbeat" as const), attempt, occurredAt });

/**
 * One execution's events, at least one of them a status event, with some events delivered twice
 * (the same object again, as a redelivery would), then two arbitrary arrival orders.
 */
function scenario(statuses: Status[]) {
  const event = fc.oneof({ weight: 4, arbitrary: statusEventOf(statuses) as fc.Arbitrary<LifecycleEvent> }, { weight: 1, arbitrary: heartbeatEvent });
  return fc
    .tuple(statusEventOf(statuses), fc.array(event, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 4 }))
    .map(([first, rest, redelivered]) => {
      const base: LifecycleEvent[] = [first, ...rest];
      return [...base, ...redelivered.map((i) => base[i % base.length]!)];
    })
    .chain((events) =>
      fc.record({
        events: fc.constant(events),
        orderA: fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
        orderB: fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
      }),
    );
}

const ZERO: CounterDelta = { executionCount: 0, successCount: 0, failureCount: 0, cancelledCount: 0 };

type Folded = { states: (ExecutionState | null)[]; decisions: (Decision | null)[]; final: ExecutionState | null; total: CounterDelta };

/** Applies events in order from "not seen yet"; a heartbeat before the first status is refused, as the service does. */
function fold(events: LifecycleEvent[]): Folded {
  let state: ExecutionState | null = null;
  const states: (ExecutionState | null)[] = [];
  const decisions: (Decision | null)[] = [];
  const total = { ...ZERO };
  for (const e of events) {
    if (state === null && e.type === "heartbeat") {
      states.push(null);
      decisions.push(null);
      continue;
    }
    const d = applyEvent(state, e);
    for (const k of Object.keys(total) as (keyof CounterDelta)[]) total[k] += d.counters[k];
    state = d.next;
    states.push(state);
    decisions.push(d);
  }
  return { states, decisions, final: state, total };
}

function recount(s: ExecutionState): CounterDelta {
  return {
    executionCount: 1,
    successCount: s.status === "COMPLETED" ? 1 : 0,
    failureCount: s.status === "FAILED" || s.status === "TIMED_OUT" ? 1 : 0,
    cancelledCount: s.status === "CANCELLED" ? 1 : 0,
  };
}

const statusEvents = (events: LifecycleEvent[]) => events.filter((e): e is StatusEvent => e.type === "status");

describe("lifecycle properties", () => {
  it("(a) once terminal, the status never changes, no later event is applied, and only the same terminal status can touch completion, error or output", () => {
    fc.assert(
      fc.property(scenario([...ACTIVE, ...TERMINAL]), ({ orderA }) => {
        const { states, decisions } = fold(orderA);
        const firstTerminal = states.findIndex((s) => s !== null && isTerminal(s.status));
        if (firstTerminal === -1) return;
        const frozen = states[firstTerminal]!;
        for (let j = firstTerminal + 1; j < states.length; j++) {
          expect(decisions[j]!.outcome).not.toBe("applied");
          expect(states[j]!.status).toBe(frozen.status);
          const e = orderA[j]!;
          if (e.type !== "status" || e.status !== frozen.status) {
            expect(states[j]!.completedAt).toBe(states[j - 1]!.completedAt);
            expect(states[j]!.error).toBe(states[j - 1]!.error);
            expect(states[j]!.output).toBe(states[j - 1]!.output);
            expect(states[j]!.continuedAsNewToId).toBe(states[j - 1]!.continuedAsNewToId);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("(a') the final status is the first terminal status to arrive, if any", () => {
    fc.assert(
      fc.property(scenario([...ACTIVE, ...TERMINAL]), ({ orderA }) => {
        const { final } = fold(orderA);
        const firstTerminal = statusEvents(orderA).find((e) => isTerminal(e.status));
        if (firstTerminal) expect(final!.status).toBe(firstTerminal.status);
        else expect(isTerminal(final!.status)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it("(a'') stage timestamps are the earliest of their events (rule 5); the attempt never goes down; durationMs is never negative", () => {
    fc.assert(
      fc.property(scenario([...ACTIVE, ...TERMINAL]), ({ orderA }) => {
        const { states, final } = fold(orderA);
        let prev: ExecutionState | null = null;
        for (const s of states) {
          if (s === null) continue;
          if (prev) {
            expect(s.createdAt.getTime()).toBeLessThanOrEqual(prev.createdAt.getTime());
            expect(s.attempt).toBeGreaterThanOrEqual(prev.attempt);
            for (const k of ["scheduledAt", "startedAt"] as const) if (prev[k] !== null) expect(s[k]!.getTime()).toBeLessThanOrEqual(prev[k].getTime());
          }
          expect(s.completedAt !== null).toBe(isTerminal(s.status));
          if (s.durationMs !== null) expect(s.durationMs).toBeGreaterThanOrEqual(0);
          prev = s;
        }
        // the fold saw every event once the execution existed (heartbeats before it are dropped here)
        const seen = orderA.slice(orderA.findIndex((e) => e.type === "status"));
        const min = (xs: LifecycleEvent[]) => (xs.length ? Math.min(...xs.map((e) => e.occurredAt.getTime())) : null);
        expect(final!.createdAt.getTime()).toBe(min(seen));
        expect(final!.scheduledAt?.getTime() ?? null).toBe(min(statusEvents(seen).filter((e) => e.status === "SCHEDULED")));
        expect(final!.startedAt?.getTime() ?? null).toBe(min(statusEvents(seen).filter((e) => RANK[e.status] === 2)));
        expect(final!.attempt).toBe(Math.max(...seen.map((e) => e.attempt)));
      }),
      { numRuns: RUNS },
    );
  });

  it("(b) with at most one distinct terminal status, the whole execution does not depend on arrival order (rule 8)", () => {
    const oneTerminalAtMost = fc.option(fc.constantFrom(...TERMINAL), { nil: null }).chain((t) => scenario(t ? [...ACTIVE, t] : ACTIVE));
    fc.assert(
      fc.property(oneTerminalAtMost, ({ events, orderA, orderB }) => {
        const a = foldEvents(withIds(orderA))!;
        const b = foldEvents(withIds(orderB))!;
        expect(a).toEqual(b);
        const terminal = statusEvents(events).find((e) => isTerminal(e.status))?.status;
        if (terminal) {
          expect(a.status).toBe(terminal);
          return;
        }
        // No terminal: the newest attempt wins, and within it the highest rank reached.
        const maxAttempt = Math.max(...statusEvents(events).map((e) => e.attempt));
        const ofNewest = statusEvents(events).filter((e) => e.attempt === maxAttempt);
        const maxRank = Math.max(...ofNewest.map((e) => RANK[e.status]));
        expect(a.statusAttempt).toBe(maxAttempt);
        expect(RANK[a.status]).toBe(maxRank);
        if (maxRank === 2) {
          // RUNNING ⇄ WAITING: the latest of them (then the greatest eventId) decides
          const latest = withIds(ofNewest)
            .filter((e): e is StatusEvent => e.type === "status" && RANK[e.status] === 2)
            .sort((x, y) => x.occurredAt.getTime() - y.occurredAt.getTime() || (x.eventId! < y.eventId! ? -1 : 1))
            .at(-1)!;
          expect(a.status).toBe(latest.status);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("(c) the summed counter deltas equal a recount of the final state", () => {
    fc.assert(
      fc.property(scenario([...ACTIVE, ...TERMINAL]), ({ orderA, orderB }) => {
        for (const order of [orderA, orderB]) {
          const { final, total, decisions } = fold(order);
          expect(total).toEqual(recount(final!));
          for (const d of decisions) if (d && d.outcome !== "applied") expect(d.counters).toEqual(ZERO);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("(d) the same event applied twice in a row never changes state the second time", () => {
    fc.assert(
      fc.property(scenario([...ACTIVE, ...TERMINAL]), ({ orderA }) => {
        let state: ExecutionState | null = null;
        for (const e of orderA) {
          if (state === null && e.type === "heartbeat") continue;
          const once = applyEvent(state, e);
          const twice = applyEvent(once.next, e);
          expect(twice.next).toEqual(once.next);
          expect(twice.counters).toEqual(ZERO);
          expect(twice.becameTerminal).toBe(false);
          if (e.type === "status") expect(twice.outcome).not.toBe("applied");
          state = once.next;
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("applyEvent never mutates the state it is given", () => {
    fc.assert(
      fc.property(scenario([...ACTIVE, ...TERMINAL]), ({ orderA }) => {
        let state: ExecutionState | null = null;
        for (const e of orderA) {
          if (state === null && e.type === "heartbeat") continue;
          const before = state === null ? null : structuredClone(state);
          if (state) Object.freeze(state);
          const d = applyEvent(state, e);
          expect(state).toEqual(before);
          state = d.next;
        }
      }),
      { numRuns: RUNS },
    );
  });
});
