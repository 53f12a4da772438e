// The lifecycle rules of CONTRACT.md §1, table-driven: every (current × incoming × attempt relation)
// case of judgeTransition written out by hand, then applyEvent's timestamps, counters and payloads.
import { describe, it, expect } from "vitest";
import {
  applyEvent,
  foldEvents,
  initialState,
  judgeTransition,
  terminalCounters,
  type CounterDelta,
  type ExecutionState,
  type LifecycleEvent,
  type Outcome,
} from "../../server/executions/lifecycle";
import type { Status } from "../../server/executions/status";

// ---------------------------------------------------------------------------------------------
// judgeTransition: the full table
// ---------------------------------------------------------------------------------------------

// Columns (incoming) and rows (current) in this order.
const ORDER: Status[] = ["PENDING", "SCHEDULED", "RUNNING", "WAITING", "COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT", "CONTINUED_AS_NEW"];
type Relation = "lower" | "same" | "higher";

// A = applied, D = duplicate, S = stale, R = rejected. Row = current status, column = incoming status.
// Column heads: PENding, SCHeduled, RUNning, WAIting, COMpleted, FAIled, CANcelled, TIMed_out, CONtinued_as_new.
//                      PEN  SCH  RUN  WAI  COM  FAI  CAN  TIM  CON
const EXPECTED: Record<Relation, Record<Status, string>> = {
  // The incoming event carries an older attempt than the execution's current one.
  lower: {
    PENDING: /*      */ "S    S    S    S    A    A    A    A    A",
    SCHEDULED: /*    */ "S    S    S    S    A    A    A    A    A",
    RUNNING: /*      */ "S    S    S    S    A    A    A    A    A",
    WAITING: /*      */ "S    S    S    S    A    A    A    A    A",
    COMPLETED: /*    */ "R    R    R    R    D    R    R    R    R",
    FAILED: /*       */ "R    R    R    R    R    D    R    R    R",
    CANCELLED: /*    */ "R    R    R    R    R    R    D    R    R",
    TIMED_OUT: /*    */ "R    R    R    R    R    R    R    D    R",
    CONTINUED_AS_NEW: "R    R    R    R    R    R    R    R    D",
  },
  same: {
    PENDING: /*      */ "D    A    A    A    A    A    A    A    A",
    SCHEDULED: /*    */ "S    D    A    A    A    A    A    A    A",
    RUNNING: /*      */ "S    S    D    A    A    A    A    A    A",
    WAITING: /*      */ "S    S    A    D    A    A    A    A    A",
    COMPLETED: /*    */ "R    R    R    R    D    R    R    R    R",
    FAILED: /*       */ "R    R    R    R    R    D    R    R    R",
    CANCELLED: /*    */ "R    R    R    R    R    R    D    R    R",
    TIMED_OUT: /*    */ "R    R    R    R    R    R    R    D    R",
    CONTINUED_AS_NEW: "R    R    R    R    R    R    R    R    D",
  },
  // A newer attempt (a retry after a worker was lost) may move an active execution anywhere.
  higher: {
    PENDING: /*      */ "A    A    A    A    A    A    A    A    A",
    SCHEDULED: /*    */ "A    A    A    A    A    A    A    A    A",
    RUNNING: /*      */ "A    A    A    A    A    A    A    A    A",
    WAITING: /*      */ "A    A    A    A    A    A    A    A    A",
    COMPLETED: /*    */ "R    R    R    R    D    R    R    R    R",
    FAILED: /*       */ "R    R    R    R    R    D    R    R    R",
    CANCELLED: /*    */ "R    R    R    R    R    R    D    R    R",
    TIMED_OUT: /*    */ "R    R    R    R    R    R    R    D    R",
    CONTINUED_AS_NEW: "R    R    R    R    R    R    R    R    D",
  },
};

const LETTER: Record<string, Outcome> = { A: "applied", D: "duplicate", S: "stale", R: "rejected" };
const CURRENT_ATTEMPT = 2;
const INCOMING_ATTEMPT: Record<Relation, number> = { lower: 1, same: 2, higher: 3 };

type Row = { name: string; current: Status; incoming: Status; relation: Relation; incomingAttempt: number; expected: Outcome };

const TABLE: Row[] = (["lower", "same", "higher"] as Relation[]).flatMap((relation) =>
  ORDER.flatMap((current) => {
    const letters = EXPECTED[relation][current].split(/\s+/);
    if (letters.length !== ORDER.length) throw new Error(`row ${relation}/${current} has ${letters.length} cells`);
    return ORDER.map((incoming, i) => {
      const expected = LETTER[letters[i]!];
      if (!expected) throw new Error(`row ${relation}/${current} has an unknown cell "${letters[i]}"`);
      const incomingAttempt = INCOMING_ATTEMPT[relation];
      return {
        name: `${current}@${CURRENT_ATTEMPT} ← ${incoming}@${incomingAttempt} (${relation} attempt): ${expected}`,
        current,
        incoming,
        relation,
        incomingAttempt,
        expected,
      };
    });
  }),
);

// it.each prints "%s" in full; "$name" would be quoted and cut short.
const NAMED: [string, Row][] = TABLE.map((row) => [row.name, row]);

describe("judgeTransition: every status pair and attempt relation", () => {
  it("the table has 9 × 9 × 3 cases", () => {
    expect(TABLE).toHaveLength(243);
  });

  it.each(NAMED)("%s", (_name, { current, incoming, incomingAttempt, expected }) => {
    const verdict = judgeTransition(current, CURRENT_ATTEMPT, incoming, incomingAttempt);
    expect(verdict.outcome).toBe(expected);
    if (expected === "applied") expect(verdict.reason).toBeNull();
    else expect(verdict.reason).toEqual(expect.stringMatching(/\S/));
  });

  // The same table through applyEvent: an execution sitting in `current` receives the event.
  it.each(NAMED)("applyEvent agrees: %s", (_name, { current, incoming, incomingAttempt, expected }) => {
    const state = initialState(statusEvent(current, CURRENT_ATTEMPT, T0));
    const event = statusEvent(incoming, incomingAttempt, at(60));
    const d = applyEvent(state, event);
    expect(d.outcome).toBe(expected);
    if (expected === "applied") {
      expect(d.next.status).toBe(incoming);
      expect(d.next.attempt).toBe(Math.max(CURRENT_ATTEMPT, incomingAttempt));
      expect(d.becameTerminal).toBe(isTerminalForTest(incoming));
      expect(d.counters).toEqual(isTerminalForTest(incoming) ? countersOf(incoming) : ZERO);
    } else {
      // no status move; the event's facts (its time, its attempt) still count (rule 5)
      expect(d.next.status).toBe(state.status);
      expect(d.next.completedAt).toEqual(state.completedAt);
      expect(d.next.error).toEqual(state.error);
      expect(d.next.attempt).toBe(Math.max(CURRENT_ATTEMPT, incomingAttempt));
      expect(d.counters).toEqual(ZERO);
      expect(d.becameTerminal).toBe(false);
      expect(d.reason).toEqual(expect.stringMatching(/\S/));
    }
  });

  it("reasons say why: a terminal rejection names the terminal status, a stale attempt names both attempts", () => {
    expect(judgeTransition("FAILED", 1, "RUNNING", 1).reason).toContain("FAILED");
    const stale = judgeTransition("RUNNING", 3, "RUNNING", 1).reason ?? "";
    expect(stale).toMatch(/\battempt 1\b/);
    expect(stale).toMatch(/\battempt 3\b/);
    expect(judgeTransition("RUNNING", 1, "PENDING", 1).reason).toMatch(/attempt/);
  });

  it("attempt distance does not matter, only its sign", () => {
    expect(judgeTransition("RUNNING", 5, "PENDING", 100).outcome).toBe("applied");
    expect(judgeTransition("RUNNING", 100, "WAITING", 5).outcome).toBe("stale");
    expect(judgeTransition("RUNNING", 100, "CANCELLED", 1).outcome).toBe("applied");
  });
});

// ---------------------------------------------------------------------------------------------
// applyEvent
// ---------------------------------------------------------------------------------------------

const T0 = new Date("2026-01-01T00:00:00.000Z");
function at(seconds: number): Date {
  return new Date(T0.getTime() + seconds * 1000);
}
function statusEvent(
  status: Status,
  attempt: number,
  occurredAt: Date,
  extra: { error?: unknown; output?: unknown; continuedAsNewTo?: string } = {},
): Extract<LifecycleEvent, { type: "status" }> {
  return { type: "status", status, attempt, occurredAt, ...extra };
}
function heartbeat(attempt: number, occurredAt: Date): LifecycleEvent {
  return { type: "heartbeat", attempt, occurredAt };
}
function isTerminalForTest(s: Status): boolean {
  return ["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT", "CONTINUED_AS_NEW"].includes(s);
}
const ZERO: CounterDelta = { executionCount: 0, successCount: 0, failureCount: 0, cancelledCount: 0 };
// Written out from rule 6, not from terminalCounters.
const TERMINAL_COUNTERS: Partial<Record<Status, CounterDelta>> = {
  COMPLETED: { ...ZERO, successCount: 1 },
  FAILED: { ...ZERO, failureCount: 1 },
  TIMED_OUT: { ...ZERO, failureCount: 1 },
  CANCELLED: { ...ZERO, cancelledCount: 1 },
  CONTINUED_AS_NEW: ZERO,
};
function countersOf(s: Status): CounterDelta {
  return TERMINAL_COUNTERS[s] ?? ZERO;
}

type Step = { event: LifecycleEvent; outcome: Outcome };
/** Folds events from "not seen yet", checking each outcome; returns the states and the summed counters. */
function run(steps: Step[]) {
  let state: ExecutionState | null = null;
  const states: ExecutionState[] = [];
  const total: CounterDelta = { ...ZERO };
  for (const [i, { event, outcome }] of steps.entries()) {
    const d = applyEvent(state, event);
    expect(d.outcome, `step ${i} (${event.type === "status" ? event.status : "heartbeat"})`).toBe(outcome);
    for (const k of Object.keys(total) as (keyof CounterDelta)[]) total[k] += d.counters[k];
    state = d.next;
    states.push(d.next);
  }
  return { state: state!, states, total };
}

describe("applyEvent: a new execution", () => {
  it.each([
    ["PENDING", { ...ZERO, executionCount: 1 }],
    ["SCHEDULED", { ...ZERO, executionCount: 1 }],
    ["RUNNING", { ...ZERO, executionCount: 1 }],
    ["WAITING", { ...ZERO, executionCount: 1 }],
    ["COMPLETED", { ...ZERO, executionCount: 1, successCount: 1 }],
    ["FAILED", { ...ZERO, executionCount: 1, failureCount: 1 }],
    ["TIMED_OUT", { ...ZERO, executionCount: 1, failureCount: 1 }],
    ["CANCELLED", { ...ZERO, executionCount: 1, cancelledCount: 1 }],
    ["CONTINUED_AS_NEW", { ...ZERO, executionCount: 1 }],
  ] as [Status, CounterDelta][])("first seen as %s counts %o", (status, counters) => {
    const d = applyEvent(null, statusEvent(status, 1, at(5)));
    expect(d.outcome).toBe("applied");
    expect(d.counters).toEqual(counters);
    expect(d.becameTerminal).toBe(isTerminalForTest(status));
    expect(d.next.status).toBe(status);
    expect(d.next.createdAt).toEqual(at(5));
    expect(d.next.lastEventAt).toEqual(at(5));
  });

  it("a heartbeat cannot create an execution", () => {
    expect(() => applyEvent(null, heartbeat(1, at(0)))).toThrow(/heartbeat/);
  });

  it("first seen as a terminal: completedAt is occurredAt and the duration is zero", () => {
    const { next } = applyEvent(null, statusEvent("FAILED", 1, at(30), { error: { message: "boom" } }));
    expect(next.completedAt).toEqual(at(30));
    expect(next.durationMs).toBe(0);
    expect(next.startedAt).toBeNull();
    expect(next.error).toEqual({ message: "boom" });
  });

  it("a fresh execution has no stage timestamps beyond the one it starts in", () => {
    const { next } = applyEvent(null, statusEvent("PENDING", 1, at(0)));
    expect(next).toMatchObject({ scheduledAt: null, startedAt: null, completedAt: null, durationMs: null, lastHeartbeatAt: null, error: null, output: null, continuedAsNewToId: null });
  });
});

describe("applyEvent: stage timestamps", () => {
  it("records each stage when first reached", () => {
    const { states } = run([
      { event: statusEvent("PENDING", 1, at(0)), outcome: "applied" },
      { event: statusEvent("SCHEDULED", 1, at(10)), outcome: "applied" },
      { event: statusEvent("RUNNING", 1, at(25)), outcome: "applied" },
      { event: statusEvent("COMPLETED", 1, at(100)), outcome: "applied" },
    ]);
    expect(states.map((s) => s.status)).toEqual(["PENDING", "SCHEDULED", "RUNNING", "COMPLETED"]);
    const last = states[3]!;
    expect(last.createdAt).toEqual(at(0));
    expect(last.scheduledAt).toEqual(at(10));
    expect(last.startedAt).toEqual(at(25));
    expect(last.completedAt).toEqual(at(100));
    expect(last.durationMs).toBe(75_000);
    expect(last.statusChangedAt).toEqual(at(100));
  });

  it("WAITING counts as started", () => {
    const { state } = run([
      { event: statusEvent("SCHEDULED", 1, at(0)), outcome: "applied" },
      { event: statusEvent("WAITING", 1, at(7)), outcome: "applied" },
    ]);
    expect(state.startedAt).toEqual(at(7));
  });

  it("does not move scheduledAt or startedAt when a newer attempt reaches the stage again", () => {
    const { state } = run([
      { event: statusEvent("SCHEDULED", 1, at(10)), outcome: "applied" },
      { event: statusEvent("RUNNING", 1, at(20)), outcome: "applied" },
      { event: statusEvent("SCHEDULED", 2, at(500)), outcome: "applied" },
      { event: statusEvent("RUNNING", 2, at(600)), outcome: "applied" },
      { event: statusEvent("COMPLETED", 2, at(700)), outcome: "applied" },
    ]);
    expect(state.attempt).toBe(2);
    expect(state.scheduledAt).toEqual(at(10));
    expect(state.startedAt).toEqual(at(20));
    expect(state.statusChangedAt).toEqual(at(700));
    expect(state.durationMs).toBe(680_000);
  });

  it("RUNNING ⇄ WAITING does not move startedAt", () => {
    const { state } = run([
      { event: statusEvent("RUNNING", 1, at(0)), outcome: "applied" },
      { event: statusEvent("WAITING", 1, at(30)), outcome: "applied" },
      { event: statusEvent("RUNNING", 1, at(90)), outcome: "applied" },
    ]);
    expect(state.startedAt).toEqual(at(0));
    expect(state.statusChangedAt).toEqual(at(90));
  });

  it("durationMs counts from createdAt when the execution never started", () => {
    const { state } = run([
      { event: statusEvent("PENDING", 1, at(3)), outcome: "applied" },
      { event: statusEvent("CANCELLED", 1, at(13)), outcome: "applied" },
    ]);
    expect(state.startedAt).toBeNull();
    expect(state.durationMs).toBe(10_000);
  });

  it("durationMs is never negative when the terminal's clock is behind the start", () => {
    const { state } = run([
      { event: statusEvent("RUNNING", 1, at(100)), outcome: "applied" },
      { event: statusEvent("COMPLETED", 1, at(40)), outcome: "applied" },
    ]);
    expect(state.completedAt).toEqual(at(40));
    expect(state.durationMs).toBe(0);
  });

  it("lastEventAt keeps the newest occurredAt; an older WAITING arriving later is stale (the later one decides)", () => {
    const { state } = run([
      { event: statusEvent("RUNNING", 1, at(100)), outcome: "applied" },
      { event: statusEvent("WAITING", 1, at(50)), outcome: "stale" },
    ]);
    expect(state.status).toBe("RUNNING");
    expect(state.lastEventAt).toEqual(at(100));
  });

  it("stale and rejected events still count for the stage timestamps (rule 5), never for status or completion", () => {
    const { states } = run([
      { event: statusEvent("RUNNING", 2, at(10)), outcome: "applied" },
      { event: statusEvent("SCHEDULED", 1, at(999)), outcome: "stale" },
      { event: statusEvent("SCHEDULED", 2, at(5)), outcome: "stale" },
      { event: statusEvent("FAILED", 2, at(50)), outcome: "applied" },
      { event: statusEvent("COMPLETED", 2, at(999)), outcome: "rejected" },
      { event: statusEvent("RUNNING", 2, at(1)), outcome: "rejected" },
    ]);
    const final = states.at(-1)!;
    expect(states[1]!.status).toBe("RUNNING");
    expect(final.status).toBe("FAILED");
    expect(final.createdAt).toEqual(at(1));
    expect(final.scheduledAt).toEqual(at(5));
    expect(final.startedAt).toEqual(at(1));
    expect(final.completedAt).toEqual(at(50));
    expect(final.durationMs).toBe(49_000);
    expect(final.lastEventAt).toEqual(at(50)); // a finished execution's last sign of life is its end
  });

  it("the reversed seed 004 case: COMPLETED first, then the late RUNNING, sets startedAt and the duration", () => {
    const { state } = run([
      { event: statusEvent("COMPLETED", 1, at(600)), outcome: "applied" },
      { event: statusEvent("RUNNING", 1, at(0)), outcome: "rejected" },
    ]);
    expect(state).toMatchObject({ status: "COMPLETED", startedAt: at(0), createdAt: at(0), completedAt: at(600), durationMs: 600_000 });
  });

  it("RUNNING ⇄ WAITING of one attempt: the later occurredAt decides, then the eventId", () => {
    const run7wait5 = run([
      { event: { ...statusEvent("RUNNING", 1, at(7)), eventId: "a" }, outcome: "applied" },
      { event: { ...statusEvent("WAITING", 1, at(5)), eventId: "b" }, outcome: "stale" },
    ]).state;
    const wait5run7 = run([
      { event: { ...statusEvent("WAITING", 1, at(5)), eventId: "b" }, outcome: "applied" },
      { event: { ...statusEvent("RUNNING", 1, at(7)), eventId: "a" }, outcome: "applied" },
    ]).state;
    expect(run7wait5).toEqual(wait5run7);
    expect(run7wait5.status).toBe("RUNNING");
    // the same occurredAt: the greater eventId decides
    const tie = (order: [string, "RUNNING" | "WAITING"][]) =>
      foldEvents(order.map(([id, st]) => ({ ...statusEvent(st, 1, at(7)), eventId: id })))!.status;
    expect(tie([["a", "RUNNING"], ["b", "WAITING"]])).toBe("WAITING");
    expect(tie([["b", "WAITING"], ["a", "RUNNING"]])).toBe("WAITING");
  });
});

describe("applyEvent: counters", () => {
  it.each([
    ["COMPLETED", { ...ZERO, successCount: 1 }],
    ["FAILED", { ...ZERO, failureCount: 1 }],
    ["TIMED_OUT", { ...ZERO, failureCount: 1 }],
    ["CANCELLED", { ...ZERO, cancelledCount: 1 }],
    ["CONTINUED_AS_NEW", ZERO],
  ] as [Status, CounterDelta][])("reaching %s moves %o", (status, counters) => {
    const state = initialState(statusEvent("RUNNING", 1, at(0)));
    const d = applyEvent(state, statusEvent(status, 1, at(10)));
    expect(d.counters).toEqual(counters);
    expect(d.becameTerminal).toBe(true);
    expect(terminalCounters(status)).toEqual(counters);
  });

  it("terminalCounters of an active status is zero", () => {
    for (const s of ["PENDING", "SCHEDULED", "RUNNING", "WAITING"] as Status[]) expect(terminalCounters(s)).toEqual(ZERO);
  });

  it("active moves, duplicates, stale events and rejections move no counter", () => {
    const { total, states } = run([
      { event: statusEvent("PENDING", 1, at(0)), outcome: "applied" },
      { event: statusEvent("PENDING", 1, at(1)), outcome: "duplicate" },
      { event: statusEvent("SCHEDULED", 1, at(2)), outcome: "applied" },
      { event: statusEvent("PENDING", 1, at(3)), outcome: "stale" },
      { event: heartbeat(1, at(4)), outcome: "applied" },
      { event: statusEvent("RUNNING", 2, at(5)), outcome: "applied" },
      { event: statusEvent("TIMED_OUT", 2, at(6)), outcome: "applied" },
      { event: statusEvent("TIMED_OUT", 2, at(7)), outcome: "duplicate" },
      { event: statusEvent("FAILED", 2, at(8)), outcome: "rejected" },
      { event: statusEvent("COMPLETED", 3, at(9)), outcome: "rejected" },
      { event: heartbeat(2, at(10)), outcome: "stale" },
    ]);
    expect(total).toEqual({ executionCount: 1, successCount: 0, failureCount: 1, cancelledCount: 0 });
    expect(states.at(-1)!.status).toBe("TIMED_OUT");
  });

  it("COMPLETED → COMPLETED is a duplicate with no counter move", () => {
    const { total, states } = run([
      { event: statusEvent("RUNNING", 1, at(0)), outcome: "applied" },
      { event: statusEvent("COMPLETED", 1, at(10), { output: { ok: 1 } }), outcome: "applied" },
      { event: statusEvent("COMPLETED", 1, at(20), { output: { ok: 2 } }), outcome: "duplicate" },
    ]);
    expect(total).toEqual({ executionCount: 1, successCount: 1, failureCount: 0, cancelledCount: 0 });
    expect(states[2]!.completedAt).toEqual(at(10));
    expect(states[2]!.output).toEqual({ ok: 1 });
  });

  it("of two COMPLETED events the earlier one's completion and output count, whichever arrived first", () => {
    const { states, total } = run([
      { event: statusEvent("RUNNING", 1, at(0)), outcome: "applied" },
      { event: { ...statusEvent("COMPLETED", 1, at(20), { output: { ok: 2 } }), eventId: "late" }, outcome: "applied" },
      { event: { ...statusEvent("COMPLETED", 1, at(10), { output: { ok: 1 } }), eventId: "early" }, outcome: "duplicate" },
    ]);
    expect(total.successCount).toBe(1);
    expect(states[2]).toMatchObject({ completedAt: at(10), output: { ok: 1 }, durationMs: 10_000 });
  });

  it("a duplicate terminal from another attempt is still a duplicate", () => {
    const state = initialState(statusEvent("COMPLETED", 2, at(0)));
    for (const attempt of [1, 2, 3]) {
      const d = applyEvent(state, statusEvent("COMPLETED", attempt, at(5)));
      expect(d.outcome).toBe("duplicate");
      expect(d.counters).toEqual(ZERO);
    }
  });
});

describe("applyEvent: error and output", () => {
  it("keeps the terminal's error and output", () => {
    const { state } = run([
      { event: statusEvent("RUNNING", 1, at(0)), outcome: "applied" },
      { event: statusEvent("FAILED", 1, at(10), { error: { message: "disk full", code: "ENOSPC" }, output: { partial: true } }), outcome: "applied" },
    ]);
    expect(state.error).toEqual({ message: "disk full", code: "ENOSPC" });
    expect(state.output).toEqual({ partial: true });
  });

  it("a later rejected terminal changes neither error nor output nor completion", () => {
    const { states } = run([
      { event: statusEvent("RUNNING", 1, at(0)), outcome: "applied" },
      { event: statusEvent("FAILED", 1, at(10), { error: "first" }), outcome: "applied" },
      { event: statusEvent("COMPLETED", 1, at(20), { output: { late: true } }), outcome: "rejected" },
      { event: statusEvent("CANCELLED", 2, at(30), { error: "second" }), outcome: "rejected" },
      { event: statusEvent("FAILED", 1, at(40), { error: "third" }), outcome: "duplicate" },
    ]);
    const final = states.at(-1)!;
    expect(final.status).toBe("FAILED");
    expect(final.error).toBe("first");
    expect(final.output).toBeNull();
    expect(final.completedAt).toEqual(at(10));
    expect(final.durationMs).toBe(10_000);
  });

  it("a terminal's error is its own: an active event's error does not survive it, in either order", () => {
    const activeFirst = run([
      { event: { ...statusEvent("RUNNING", 1, at(0), { error: "flaky" }), eventId: "r" }, outcome: "applied" },
      { event: { ...statusEvent("CANCELLED", 1, at(10)), eventId: "c" }, outcome: "applied" },
    ]).state;
    const cancelFirst = run([
      { event: { ...statusEvent("CANCELLED", 1, at(10)), eventId: "c" }, outcome: "applied" },
      { event: { ...statusEvent("RUNNING", 1, at(0), { error: "flaky" }), eventId: "r" }, outcome: "rejected" },
    ]).state;
    expect(activeFirst).toEqual(cancelFirst);
    expect(activeFirst.error).toBeNull();
  });

  it("an active execution shows the latest error of its highest attempt, whatever the order", () => {
    const events: LifecycleEvent[] = [
      { ...statusEvent("RUNNING", 1, at(0), { error: "first try" }), eventId: "a" },
      { ...statusEvent("PENDING", 2, at(50), { error: "worker lost" }), eventId: "b" },
      { ...statusEvent("SCHEDULED", 2, at(60)), eventId: "c" },
      { ...statusEvent("RUNNING", 1, at(70), { error: "old worker" }), eventId: "d" },
    ];
    for (const order of [events, [...events].reverse(), [events[2]!, events[0]!, events[3]!, events[1]!]]) {
      expect(foldEvents(order)).toMatchObject({ status: "SCHEDULED", attempt: 2, error: "worker lost" });
    }
  });

  it("a terminal without an error keeps what the execution had", () => {
    const { state } = run([
      { event: statusEvent("RUNNING", 1, at(0)), outcome: "applied" },
      { event: statusEvent("CANCELLED", 1, at(10)), outcome: "applied" },
    ]);
    expect(state.error).toBeNull();
    expect(state.output).toBeNull();
  });

  it("error and output of a stale active event are ignored", () => {
    const { state } = run([
      { event: statusEvent("RUNNING", 2, at(0)), outcome: "applied" },
      { event: statusEvent("SCHEDULED", 1, at(10), { error: "old worker" }), outcome: "stale" },
    ]);
    expect(state.error).toBeNull();
  });
});

describe("applyEvent: heartbeats", () => {
  it("lastHeartbeatAt is the newest heartbeat, whatever the arrival order", () => {
    const { state } = run([
      { event: statusEvent("RUNNING", 1, at(0)), outcome: "applied" },
      { event: heartbeat(1, at(30)), outcome: "applied" },
      { event: heartbeat(1, at(90)), outcome: "applied" },
      { event: heartbeat(1, at(60)), outcome: "applied" },
    ]);
    expect(state.lastHeartbeatAt).toEqual(at(90));
    expect(state.lastEventAt).toEqual(at(90));
    expect(state.status).toBe("RUNNING");
    expect(state.statusChangedAt).toEqual(at(0));
  });

  it("a heartbeat from an older attempt is stale", () => {
    const { states } = run([
      { event: statusEvent("RUNNING", 2, at(0)), outcome: "applied" },
      { event: heartbeat(1, at(50)), outcome: "stale" },
    ]);
    expect(states[1]).toBe(states[0]);
    expect(states[1]!.lastHeartbeatAt).toBeNull();
  });

  it.each(["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT", "CONTINUED_AS_NEW"] as Status[])("a heartbeat after %s is stale", (terminal) => {
    const { states } = run([
      { event: statusEvent("RUNNING", 1, at(0)), outcome: "applied" },
      { event: heartbeat(1, at(5)), outcome: "applied" },
      { event: statusEvent(terminal, 1, at(10)), outcome: "applied" },
      { event: heartbeat(1, at(20)), outcome: "stale" },
      { event: heartbeat(2, at(30)), outcome: "stale" },
    ]);
    // no status change, but a heartbeat is still a fact of its attempt (any order gives this)
    expect(states[4]!.status).toBe(terminal);
    expect(states[4]!.completedAt).toEqual(at(10));
    expect(states[4]!.attempt).toBe(2);
    expect(states[4]!.lastHeartbeatAt).toEqual(at(30));
  });

  it("a heartbeat never changes status or counters", () => {
    const state = initialState(statusEvent("SCHEDULED", 1, at(0)));
    const d = applyEvent(state, heartbeat(1, at(5)));
    expect(d.outcome).toBe("applied");
    expect(d.counters).toEqual(ZERO);
    expect(d.becameTerminal).toBe(false);
    expect(d.next.status).toBe("SCHEDULED");
    expect(d.next.statusChangedAt).toEqual(at(0));
    expect(d.next.lastHeartbeatAt).toEqual(at(5));
  });
});

describe("applyEvent: CONTINUED_AS_NEW", () => {
  it("records the successor", () => {
    const { state } = run([
      { event: statusEvent("RUNNING", 1, at(0)), outcome: "applied" },
      { event: statusEvent("CONTINUED_AS_NEW", 1, at(10), { continuedAsNewTo: "exec-2" }), outcome: "applied" },
    ]);
    expect(state.status).toBe("CONTINUED_AS_NEW");
    expect(state.continuedAsNewToId).toBe("exec-2");
    expect(state.completedAt).toEqual(at(10));
  });

  it("a later CONTINUED_AS_NEW naming another successor changes nothing", () => {
    const { states } = run([
      { event: statusEvent("CONTINUED_AS_NEW", 1, at(10), { continuedAsNewTo: "exec-2" }), outcome: "applied" },
      { event: statusEvent("CONTINUED_AS_NEW", 1, at(20), { continuedAsNewTo: "exec-3" }), outcome: "duplicate" },
    ]);
    expect(states[1]!.continuedAsNewToId).toBe("exec-2");
  });

  it("continuedAsNewTo on another status is not a link", () => {
    const { state } = run([{ event: statusEvent("COMPLETED", 1, at(0), { continuedAsNewTo: "exec-2" }), outcome: "applied" }]);
    expect(state.continuedAsNewToId).toBeNull();
  });
});

describe("seed scenarios", () => {
  it("a late RUNNING after FAILED is rejected: status, completedAt and error stay", () => {
    const { states, total } = run([
      { event: statusEvent("SCHEDULED", 1, at(0)), outcome: "applied" },
      { event: statusEvent("RUNNING", 1, at(5)), outcome: "applied" },
      { event: statusEvent("FAILED", 1, at(60), { error: { message: "timeout talking to db" } }), outcome: "applied" },
      { event: statusEvent("RUNNING", 1, at(30)), outcome: "rejected" },
      { event: statusEvent("RUNNING", 2, at(90)), outcome: "rejected" },
    ]);
    for (const s of states.slice(3)) {
      expect(s.status).toBe("FAILED");
      expect(s.startedAt).toEqual(at(5));
      expect(s.completedAt).toEqual(at(60));
      expect(s.error).toEqual({ message: "timeout talking to db" });
      expect(s.durationMs).toBe(55_000);
    }
    expect(total).toEqual({ executionCount: 1, successCount: 0, failureCount: 1, cancelledCount: 0 });
  });

  it("a retry moves a running execution back to PENDING, then it completes", () => {
    const { state, total } = run([
      { event: statusEvent("RUNNING", 1, at(0)), outcome: "applied" },
      { event: statusEvent("PENDING", 2, at(100), { error: "worker lost" }), outcome: "applied" },
      { event: heartbeat(1, at(110)), outcome: "stale" },
      { event: statusEvent("RUNNING", 1, at(120)), outcome: "stale" },
      { event: statusEvent("SCHEDULED", 2, at(130)), outcome: "applied" },
      { event: statusEvent("RUNNING", 2, at(140)), outcome: "applied" },
      { event: statusEvent("COMPLETED", 2, at(200)), outcome: "applied" },
    ]);
    expect(state.status).toBe("COMPLETED");
    expect(state.attempt).toBe(2);
    expect(state.scheduledAt).toEqual(at(130));
    expect(state.startedAt).toEqual(at(0));
    expect(total).toEqual({ executionCount: 1, successCount: 1, failureCount: 0, cancelledCount: 0 });
  });

  it("a terminal from an older attempt still ends the execution", () => {
    const { state } = run([
      { event: statusEvent("RUNNING", 2, at(0)), outcome: "applied" },
      { event: statusEvent("CANCELLED", 1, at(10)), outcome: "applied" },
    ]);
    expect(state.status).toBe("CANCELLED");
    expect(state.attempt).toBe(2);
  });
});
