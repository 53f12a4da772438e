// The alerting rules: which stuck executions open alerts, which alerts resolve and why, the
// auto-timeout, the failure-rate rule, storm grouping and the alert state machine.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  autoTimeoutDue,
  canTransition,
  effectiveFailureRate,
  failureRateAction,
  failureRateOver,
  planStuckSweep,
  resolutionFor,
  stormDecision,
  type OpenExecutionAlert,
  type StuckRow,
} from "../../server/alerts/rules";

const now = new Date("2026-01-01T12:00:00Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const stuck = (executionId: string, reason: "scheduled" | "running" = "scheduled", extra: Partial<StuckRow> = {}): StuckRow => ({
  orgId: "org",
  executionId,
  workflowId: "1",
  status: reason === "scheduled" ? "SCHEDULED" : "RUNNING",
  reason,
  since: ago(600),
  thresholdSeconds: 300,
  autoTimeoutMultiple: null,
  ...extra,
});
const open = (executionId: string, reason: "scheduled" | "running" = "scheduled", extra: Partial<OpenExecutionAlert> = {}): OpenExecutionAlert => ({
  orgId: "org",
  id: `a-${executionId}-${reason}`,
  executionId,
  reason,
  since: ago(600),
  timedOutAt: null,
  currentStatus: reason === "scheduled" ? "SCHEDULED" : "RUNNING",
  ...extra,
});

describe("planStuckSweep", () => {
  it("opens an alert for a stuck execution without one, and none twice", () => {
    const plan = planStuckSweep([stuck("x"), stuck("x"), stuck("y")], [open("y")], now);
    expect(plan.create.map((s) => s.executionId)).toEqual(["x"]);
    expect(plan.resolve).toEqual([]);
  });

  it("keys alerts by organization, execution and reason", () => {
    const plan = planStuckSweep([stuck("x", "running"), { ...stuck("x"), orgId: "other" }], [open("x", "scheduled")], now);
    expect(plan.create.map((s) => `${s.orgId}/${s.reason}`)).toEqual(["org/running", "other/scheduled"]);
    expect(plan.resolve.map((r) => r.alert.id)).toEqual(["a-x-scheduled"]);
  });

  it.each([
    ["RUNNING", null, "moved_on"],
    ["PENDING", null, "moved_on"],
    ["COMPLETED", null, "ended"],
    ["FAILED", null, "ended"],
    ["TIMED_OUT", null, "ended"],
    ["TIMED_OUT", ago(1), "timed_out"],
    [null, null, "gone"],
  ] as const)("an open alert whose execution is %s (timed out by us: %s) resolves as %s", (status, timedOutAt, resolution) => {
    const plan = planStuckSweep([], [open("x", "scheduled", { currentStatus: status, timedOutAt })], now);
    expect(plan.resolve).toEqual([{ alert: expect.objectContaining({ executionId: "x" }), resolution }]);
    expect(resolutionFor({ currentStatus: status, timedOutAt })).toBe(resolution);
  });

  it("asks for an auto-timeout only when configured, due, and not done yet", () => {
    const due = stuck("x", "scheduled", { since: ago(601), thresholdSeconds: 300, autoTimeoutMultiple: 2 });
    expect(planStuckSweep([due], [open("x")], now).timeOut).toHaveLength(1);
    expect(planStuckSweep([due], [open("x", "scheduled", { timedOutAt: ago(1) })], now).timeOut).toHaveLength(0);
    expect(planStuckSweep([{ ...due, autoTimeoutMultiple: null }], [open("x")], now).timeOut).toHaveLength(0);
    expect(planStuckSweep([{ ...due, since: ago(599) }], [open("x")], now).timeOut).toHaveLength(0);
    // a new alert is opened first; the timeout follows on a later sweep
    expect(planStuckSweep([due], [], now).timeOut).toHaveLength(0);
  });

  it("property: every stuck key ends up with exactly one alert, every other open alert resolves", () => {
    const key = fc.record({ e: fc.constantFrom("a", "b", "c", "d"), r: fc.constantFrom<"scheduled" | "running">("scheduled", "running") });
    fc.assert(
      fc.property(fc.array(key), fc.uniqueArray(key, { selector: (k) => `${k.e}/${k.r}` }), (stuckKeys, openKeys) => {
        const plan = planStuckSweep(stuckKeys.map((k) => stuck(k.e, k.r)), openKeys.map((k) => open(k.e, k.r)), now);
        const s = new Set(stuckKeys.map((k) => `${k.e}/${k.r}`));
        const o = new Set(openKeys.map((k) => `${k.e}/${k.r}`));
        const created = plan.create.map((c) => `${c.executionId}/${c.reason}`);
        const resolved = plan.resolve.map((c) => `${c.alert.executionId}/${c.alert.reason}`);
        expect(new Set(created).size).toBe(created.length);
        expect(new Set(created)).toEqual(new Set([...s].filter((k) => !o.has(k))));
        expect(new Set(resolved)).toEqual(new Set([...o].filter((k) => !s.has(k))));
      }),
    );
  });
});

describe("autoTimeoutDue", () => {
  it("is off without a multiple and compares against multiple × threshold", () => {
    expect(autoTimeoutDue({ since: ago(10_000), thresholdSeconds: 1, autoTimeoutMultiple: null }, now)).toBe(false);
    expect(autoTimeoutDue({ since: ago(30), thresholdSeconds: 10, autoTimeoutMultiple: 3 }, now)).toBe(false);
    expect(autoTimeoutDue({ since: ago(31), thresholdSeconds: 10, autoTimeoutMultiple: 3 }, now)).toBe(true);
    expect(autoTimeoutDue({ since: ago(16), thresholdSeconds: 10, autoTimeoutMultiple: 1.5 }, now)).toBe(true);
  });
});

describe("failure-rate rule", () => {
  const s = effectiveFailureRate(null, null);
  it("defaults to more than 20% of at least 20 executions within 15 minutes", () => {
    expect(s).toEqual({ enabled: true, percent: 20, minExecutions: 20, windowSeconds: 900 });
  });
  it("falls back from workflow to organization to defaults", () => {
    expect(effectiveFailureRate({ enabled: null, percent: 50, minExecutions: null, windowSeconds: 60 }, { enabled: false, percent: null, minExecutions: 5, windowSeconds: null })).toEqual({
      enabled: false,
      percent: 50,
      minExecutions: 5,
      windowSeconds: 60,
    });
  });
  it.each([
    [5, 20, true],
    [4, 20, false], // exactly 20% is not more than 20%
    [19, 19, false], // too few executions
    [0, 0, false],
    [21, 100, true],
  ])("%i failed of %i: over = %s", (failed, total, over) => {
    expect(failureRateOver({ failed, total }, s)).toBe(over);
  });
  it("fires once, resolves when the rate drops, and a hold waits for the drop", () => {
    const high = { failed: 10, total: 20 };
    const low = { failed: 1, total: 20 };
    expect(failureRateAction(high, s, { open: false, held: false })).toBe("fire");
    expect(failureRateAction(high, s, { open: true, held: false })).toBe("none");
    expect(failureRateAction(high, s, { open: false, held: true })).toBe("none");
    expect(failureRateAction(low, s, { open: true, held: false })).toBe("resolve");
    expect(failureRateAction(low, s, { open: false, held: true })).toBe("release_hold");
    expect(failureRateAction({ failed: 0, total: 0 }, s, { open: true, held: false })).toBe("resolve");
    expect(failureRateAction(high, { ...s, enabled: false }, { open: true, held: false })).toBe("resolve");
  });
});

describe("storm control", () => {
  const s = { threshold: 3, windowSeconds: 60 };
  it("notifies individually up to the threshold, then starts one storm, then joins it", () => {
    expect(stormDecision({ newCount: 3, recentCount: 3, activeStormId: null }, s)).toEqual({ kind: "individual" });
    expect(stormDecision({ newCount: 1, recentCount: 4, activeStormId: null }, s)).toEqual({ kind: "start", count: 4 });
    expect(stormDecision({ newCount: 50, recentCount: 50, activeStormId: null }, s)).toEqual({ kind: "start", count: 50 });
    expect(stormDecision({ newCount: 2, recentCount: 60, activeStormId: "7" }, s)).toEqual({ kind: "join", stormId: "7" });
  });
});

describe("alert state machine", () => {
  it.each([
    ["FIRING", "acknowledge", true],
    ["ACKNOWLEDGED", "acknowledge", false],
    ["RESOLVED", "acknowledge", false],
    ["FIRING", "resolve", true],
    ["ACKNOWLEDGED", "resolve", true],
    ["RESOLVED", "resolve", false],
  ] as const)("%s → %s allowed: %s", (state, t, ok) => {
    expect(canTransition(state, t)).toBe(ok);
  });
});
