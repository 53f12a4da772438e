// The stuck rules of CONTRACT.md §2: SCHEDULED too long, RUNNING without a sign of life, thresholds.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  DEFAULT_THRESHOLDS,
  effectiveThresholds,
  lastSignOfLife,
  stuckVerdict,
  type StuckInput,
  type StuckThresholds,
} from "../../server/executions/stuck";
import { applyEvent, initialState, type ExecutionState, type LifecycleEvent } from "../../server/executions/lifecycle";
import type { Status } from "../../server/executions/status";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const ms = (milliseconds: number) => new Date(T0 + milliseconds);

const ORG: StuckThresholds = { stuckScheduledAfterSeconds: 300, stuckRunningAfterSeconds: 1800 };

function execution(status: Status, fields: Partial<StuckInput> = {}): StuckInput {
  return { status, statusChangedAt: at(0), startedAt: null, lastHeartbeatAt: null, lastEventAt: at(0), ...fields };
}

describe("defaults", () => {
  it("are the contract's 300 s scheduled and 1800 s running", () => {
    expect(DEFAULT_THRESHOLDS).toEqual({ stuckScheduledAfterSeconds: 300, stuckRunningAfterSeconds: 1800 });
  });
});

describe("SCHEDULED", () => {
  const scheduled = execution("SCHEDULED", { statusChangedAt: at(0), lastEventAt: at(0) });

  it("is not stuck under the threshold", () => {
    expect(stuckVerdict(scheduled, ORG, at(299))).toBeNull();
  });

  it("is not stuck exactly at the threshold (strictly greater than)", () => {
    expect(stuckVerdict(scheduled, ORG, at(300))).toBeNull();
  });

  it("is stuck one millisecond past the threshold, since it was scheduled", () => {
    expect(stuckVerdict(scheduled, ORG, ms(300_001))).toEqual({ reason: "scheduled", since: at(0) });
  });

  it("is stuck long past the threshold", () => {
    expect(stuckVerdict(scheduled, ORG, at(10_000))).toEqual({ reason: "scheduled", since: at(0) });
  });

  it("counts from when it became SCHEDULED, not from its creation", () => {
    const e = execution("SCHEDULED", { statusChangedAt: at(1000), lastEventAt: at(1000) });
    expect(stuckVerdict(e, ORG, at(1300))).toBeNull();
    expect(stuckVerdict(e, ORG, at(1301))).toEqual({ reason: "scheduled", since: at(1000) });
  });

  it("a heartbeat does not make a SCHEDULED execution less stuck: it has still not started", () => {
    const e = execution("SCHEDULED", { statusChangedAt: at(0), lastHeartbeatAt: at(400), lastEventAt: at(400) });
    expect(stuckVerdict(e, ORG, at(401))).toEqual({ reason: "scheduled", since: at(0) });
  });

  it("uses the scheduled threshold, not the running one", () => {
    expect(stuckVerdict(scheduled, { stuckScheduledAfterSeconds: 10_000, stuckRunningAfterSeconds: 1 }, at(5_000))).toBeNull();
  });
});

describe("RUNNING", () => {
  it("heartbeats keep it alive", () => {
    const e = execution("RUNNING", { statusChangedAt: at(0), startedAt: at(0), lastHeartbeatAt: at(1700), lastEventAt: at(1700) });
    expect(stuckVerdict(e, ORG, at(3000))).toBeNull();
    expect(stuckVerdict(e, ORG, at(3500))).toBeNull();
    expect(stuckVerdict(e, ORG, ms(3_500_001))).toEqual({ reason: "running", since: at(1700) });
  });

  it("without a heartbeat it falls back to startedAt: no heartbeat never means immune", () => {
    const e = execution("RUNNING", { statusChangedAt: at(0), startedAt: at(0), lastHeartbeatAt: null, lastEventAt: null });
    expect(stuckVerdict(e, ORG, at(1800))).toBeNull();
    expect(stuckVerdict(e, ORG, ms(1_800_001))).toEqual({ reason: "running", since: at(0) });
    expect(lastSignOfLife(e)).toEqual(at(0));
  });

  it("is not stuck exactly at the threshold (strictly greater than)", () => {
    const e = execution("RUNNING", { startedAt: at(0), lastHeartbeatAt: at(100), lastEventAt: at(100) });
    expect(stuckVerdict(e, ORG, at(1900))).toBeNull();
    expect(stuckVerdict(e, ORG, ms(1_900_001))).toEqual({ reason: "running", since: at(100) });
  });

  it("the newest of startedAt, heartbeat and last applied event is the sign of life", () => {
    expect(lastSignOfLife(execution("RUNNING", { startedAt: at(50), lastHeartbeatAt: at(20), lastEventAt: at(10), statusChangedAt: at(10) }))).toEqual(at(50));
    expect(lastSignOfLife(execution("RUNNING", { startedAt: at(10), lastHeartbeatAt: at(90), lastEventAt: at(30), statusChangedAt: at(10) }))).toEqual(at(90));
    expect(lastSignOfLife(execution("RUNNING", { startedAt: at(10), lastHeartbeatAt: at(20), lastEventAt: at(70), statusChangedAt: at(70) }))).toEqual(at(70));
  });

  it("a recent status event (WAITING → RUNNING) counts as a sign of life", () => {
    const e = execution("RUNNING", { startedAt: at(0), statusChangedAt: at(5000), lastEventAt: at(5000) });
    expect(stuckVerdict(e, ORG, at(6000))).toBeNull();
    expect(stuckVerdict(e, ORG, at(6801))).toEqual({ reason: "running", since: at(5000) });
  });

  it("a heartbeat older than the start (skewed clock) does not pull the sign of life back", () => {
    const e = execution("RUNNING", { startedAt: at(1000), lastHeartbeatAt: at(10), lastEventAt: at(1000), statusChangedAt: at(1000) });
    expect(stuckVerdict(e, ORG, at(2000))).toBeNull();
  });

  it("uses the running threshold, not the scheduled one", () => {
    const e = execution("RUNNING", { startedAt: at(0) });
    expect(stuckVerdict(e, { stuckScheduledAfterSeconds: 1, stuckRunningAfterSeconds: 10_000 }, at(5_000))).toBeNull();
  });
});

describe("never stuck", () => {
  const ages = [0, 301, 1801, 86_400 * 365];
  it.each(["PENDING", "WAITING", "COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT", "CONTINUED_AS_NEW"] as Status[])("%s, however old", (status) => {
    const e = execution(status, { startedAt: at(0), lastHeartbeatAt: null, lastEventAt: at(0) });
    for (const age of ages) expect(stuckVerdict(e, { stuckScheduledAfterSeconds: 0, stuckRunningAfterSeconds: 0 }, at(age))).toBeNull();
  });
});

describe("thresholds: workflow override vs organization default", () => {
  it("a workflow without overrides takes the organization's values", () => {
    expect(effectiveThresholds(ORG, { stuckScheduledAfterSeconds: null, stuckRunningAfterSeconds: null })).toEqual(ORG);
  });

  it("each override replaces only its own field", () => {
    expect(effectiveThresholds(ORG, { stuckScheduledAfterSeconds: 60, stuckRunningAfterSeconds: null })).toEqual({ stuckScheduledAfterSeconds: 60, stuckRunningAfterSeconds: 1800 });
    expect(effectiveThresholds(ORG, { stuckScheduledAfterSeconds: null, stuckRunningAfterSeconds: 7200 })).toEqual({ stuckScheduledAfterSeconds: 300, stuckRunningAfterSeconds: 7200 });
    expect(effectiveThresholds(ORG, { stuckScheduledAfterSeconds: 10, stuckRunningAfterSeconds: 20 })).toEqual({ stuckScheduledAfterSeconds: 10, stuckRunningAfterSeconds: 20 });
  });

  it("an override of 0 is an override, not a missing value", () => {
    expect(effectiveThresholds(ORG, { stuckScheduledAfterSeconds: 0, stuckRunningAfterSeconds: 0 })).toEqual({ stuckScheduledAfterSeconds: 0, stuckRunningAfterSeconds: 0 });
  });

  it("a shorter workflow override makes an execution stuck that the org default would not", () => {
    const e = execution("SCHEDULED", { statusChangedAt: at(0) });
    const workflow = effectiveThresholds(ORG, { stuckScheduledAfterSeconds: 60, stuckRunningAfterSeconds: null });
    expect(stuckVerdict(e, ORG, at(120))).toBeNull();
    expect(stuckVerdict(e, workflow, at(120))).toEqual({ reason: "scheduled", since: at(0) });
  });

  it("a longer workflow override keeps an execution from being stuck", () => {
    const e = execution("RUNNING", { startedAt: at(0), statusChangedAt: at(0) });
    const workflow = effectiveThresholds(ORG, { stuckScheduledAfterSeconds: null, stuckRunningAfterSeconds: 7200 });
    expect(stuckVerdict(e, ORG, at(3600))).toEqual({ reason: "running", since: at(0) });
    expect(stuckVerdict(e, workflow, at(3600))).toBeNull();
    expect(stuckVerdict(e, workflow, at(7201))).toEqual({ reason: "running", since: at(0) });
  });
});

describe("stuck states reached through the lifecycle", () => {
  function fold(events: LifecycleEvent[]): ExecutionState {
    let state: ExecutionState | null = null;
    for (const e of events) state = applyEvent(state, e).next;
    return state!;
  }

  it("a SCHEDULED execution becomes stuck after the threshold; a retry back to SCHEDULED restarts the clock", () => {
    const first = initialState({ type: "status", status: "SCHEDULED", attempt: 1, occurredAt: at(0) });
    expect(stuckVerdict(first, ORG, at(301))).toEqual({ reason: "scheduled", since: at(0) });
    const retried = fold([
      { type: "status", status: "SCHEDULED", attempt: 1, occurredAt: at(0) },
      { type: "status", status: "RUNNING", attempt: 1, occurredAt: at(10) },
      { type: "status", status: "SCHEDULED", attempt: 2, occurredAt: at(1000) },
    ]);
    expect(stuckVerdict(retried, ORG, at(1200))).toBeNull();
    expect(stuckVerdict(retried, ORG, at(1301))).toEqual({ reason: "scheduled", since: at(1000) });
  });

  it("a RUNNING execution with heartbeats stays alive; once they stop it becomes stuck", () => {
    const running = fold([
      { type: "status", status: "RUNNING", attempt: 1, occurredAt: at(0) },
      { type: "heartbeat", attempt: 1, occurredAt: at(1500) },
      { type: "heartbeat", attempt: 1, occurredAt: at(3000) },
    ]);
    expect(stuckVerdict(running, ORG, at(4000))).toBeNull();
    expect(stuckVerdict(running, ORG, at(4801))).toEqual({ reason: "running", since: at(3000) });
  });

  it("a stale heartbeat from an older attempt does not keep it alive", () => {
    const running = fold([
      { type: "status", status: "RUNNING", attempt: 2, occurredAt: at(0) },
      { type: "heartbeat", attempt: 1, occurredAt: at(1500) },
    ]);
    expect(stuckVerdict(running, ORG, at(1801))).toEqual({ reason: "running", since: at(0) });
  });

  it("a WAITING execution is never stuck, and becomes subject to the rule again when RUNNING", () => {
    const waiting = fold([
      { type: "status", status: "RUNNING", attempt: 1, occurredAt: at(0) },
      { type: "status", status: "WAITING", attempt: 1, occurredAt: at(10) },
    ]);
    expect(stuckVerdict(waiting, ORG, at(100_000))).toBeNull();
    const resumed = applyEvent(waiting, { type: "status", status: "RUNNING", attempt: 1, occurredAt: at(50_000) }).next;
    expect(stuckVerdict(resumed, ORG, at(51_800))).toBeNull();
    expect(stuckVerdict(resumed, ORG, at(51_801))).toEqual({ reason: "running", since: at(50_000) });
  });

  it("a terminal execution is never stuck", () => {
    const done = fold([
      { type: "status", status: "RUNNING", attempt: 1, occurredAt: at(0) },
      { type: "status", status: "FAILED", attempt: 1, occurredAt: at(10) },
    ]);
    expect(stuckVerdict(done, ORG, at(1_000_000))).toBeNull();
  });
});

describe("stuck properties", () => {
  const seconds = fc.integer({ min: 0, max: 100_000 });
  const maybe = fc.option(seconds, { nil: null });
  const input = fc.record({
    status: fc.constantFrom<Status>("PENDING", "SCHEDULED", "RUNNING", "WAITING", "COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT", "CONTINUED_AS_NEW"),
    statusChangedAt: seconds,
    startedAt: maybe,
    lastHeartbeatAt: maybe,
    lastEventAt: maybe,
  });
  const thresholds = fc.record({ stuckScheduledAfterSeconds: fc.integer({ min: 0, max: 5000 }), stuckRunningAfterSeconds: fc.integer({ min: 0, max: 5000 }) });
  const toInput = (r: { status: Status; statusChangedAt: number; startedAt: number | null; lastHeartbeatAt: number | null; lastEventAt: number | null }): StuckInput => ({
    status: r.status,
    statusChangedAt: at(r.statusChangedAt),
    startedAt: r.startedAt === null ? null : at(r.startedAt),
    lastHeartbeatAt: r.lastHeartbeatAt === null ? null : at(r.lastHeartbeatAt),
    lastEventAt: r.lastEventAt === null ? null : at(r.lastEventAt),
  });

  it("matches the rule written out independently", () => {
    fc.assert(
      fc.property(input, thresholds, fc.integer({ min: 0, max: 200_000 }), (r, t, nowS) => {
        const verdict = stuckVerdict(toInput(r), t, at(nowS));
        let expected: { reason: string; since: Date } | null = null;
        if (r.status === "SCHEDULED" && nowS - r.statusChangedAt > t.stuckScheduledAfterSeconds) expected = { reason: "scheduled", since: at(r.statusChangedAt) };
        if (r.status === "RUNNING") {
          // §2: the newest of startedAt, lastHeartbeatAt and the last event (statusChangedAt is not one)
          const signs = [r.startedAt, r.lastHeartbeatAt, r.lastEventAt].filter((x): x is number => x !== null);
          const life = Math.max(...signs);
          if (signs.length && nowS - life > t.stuckRunningAfterSeconds) expected = { reason: "running", since: at(life) };
        }
        expect(verdict).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("once stuck, stays stuck as time passes (with nothing else happening)", () => {
    fc.assert(
      fc.property(input, thresholds, seconds, fc.integer({ min: 0, max: 100_000 }), (r, t, nowS, later) => {
        const e = toInput(r);
        const before = stuckVerdict(e, t, at(nowS));
        if (before) expect(stuckVerdict(e, t, at(nowS + later))).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });
});
