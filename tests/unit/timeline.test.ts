// Lifecycle stages and header times of the detail page.
import { describe, expect, it } from "vitest";
import { executionTimes, lifecycleStages, type StageSource, type TimelineEventInput } from "../../server/executions/stages";
import type { Status } from "../../server/executions/status";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000);
const ev = (before: Status | null, after: Status, s: number, outcome: TimelineEventInput["outcome"] = "APPLIED"): TimelineEventInput => ({
  type: "STATUS",
  occurredAt: at(s),
  outcome,
  statusBefore: before,
  statusAfter: outcome === "APPLIED" ? after : before,
});

const base = (over: Partial<StageSource>): StageSource => ({
  status: "COMPLETED",
  createdAt: at(0),
  scheduledAt: null,
  startedAt: null,
  completedAt: null,
  statusChangedAt: at(0),
  events: [],
  ...over,
});

describe("lifecycleStages", () => {
  it("follows applied events: start and time spent in each stage", () => {
    const s = base({
      status: "COMPLETED",
      events: [ev(null, "PENDING", 0), ev("PENDING", "SCHEDULED", 10), ev("SCHEDULED", "RUNNING", 15), ev("RUNNING", "WAITING", 20), ev("WAITING", "RUNNING", 50), ev("RUNNING", "COMPLETED", 60)],
    });
    expect(lifecycleStages(s, at(1000)).map((x) => [x.status, x.start.getTime() - T0, x.durationMs, x.current])).toEqual([
      ["PENDING", 0, 10_000, false],
      ["SCHEDULED", 10_000, 5_000, false],
      ["RUNNING", 15_000, 5_000, false],
      ["WAITING", 20_000, 30_000, false],
      ["RUNNING", 50_000, 10_000, false],
      ["COMPLETED", 60_000, null, false],
    ]);
  });

  it("skips stale, rejected, duplicate and heartbeat events", () => {
    const s = base({
      status: "COMPLETED",
      events: [
        ev(null, "RUNNING", 0),
        { type: "HEARTBEAT", occurredAt: at(5), outcome: "APPLIED", statusBefore: "RUNNING", statusAfter: "RUNNING" },
        ev("RUNNING", "COMPLETED", 30),
        ev("COMPLETED", "SCHEDULED", 2, "STALE"),
        ev("COMPLETED", "FAILED", 40, "REJECTED"),
        ev("COMPLETED", "COMPLETED", 30, "DUPLICATE"),
      ],
    });
    expect(lifecycleStages(s, at(100)).map((x) => x.status)).toEqual(["RUNNING", "COMPLETED"]);
  });

  it("counts the current stage up to now", () => {
    const s = base({ status: "RUNNING", events: [ev(null, "PENDING", 0), ev("PENDING", "RUNNING", 20)] });
    const stages = lifecycleStages(s, at(80));
    expect(stages[1]).toEqual({ status: "RUNNING", start: at(20), end: null, durationMs: 60_000, current: true });
  });

  it("never gives a negative duration when clocks disagree", () => {
    const s = base({ status: "COMPLETED", events: [ev(null, "PENDING", 0), ev("PENDING", "RUNNING", 50), ev("RUNNING", "COMPLETED", 40)] });
    for (const st of lifecycleStages(s, at(100))) expect(st.durationMs ?? 0).toBeGreaterThanOrEqual(0);
  });

  it("starts a ContinueAsNew successor (no event of its own at first) with PENDING at creation", () => {
    const s = base({ status: "RUNNING", createdAt: at(0), events: [ev("PENDING", "RUNNING", 9)] });
    expect(lifecycleStages(s, at(10)).map((x) => [x.status, x.start.getTime() - T0])).toEqual([
      ["PENDING", 0],
      ["RUNNING", 9000],
    ]);
  });

  it("falls back to the stored timestamps without a timeline", () => {
    const s = base({ status: "FAILED", scheduledAt: at(5), startedAt: at(7), completedAt: at(17) });
    expect(lifecycleStages(s, at(100)).map((x) => [x.status, x.durationMs])).toEqual([
      ["PENDING", 5000],
      ["SCHEDULED", 2000],
      ["RUNNING", 10_000],
      ["FAILED", null],
    ]);
  });
});

describe("executionTimes", () => {
  it("queue, run and total for a finished run", () => {
    expect(executionTimes({ status: "COMPLETED", createdAt: at(0), startedAt: at(4), completedAt: at(10) }, at(99))).toEqual({ queueMs: 4000, runMs: 6000, totalMs: 10_000 });
  });
  it("counts up to now while active", () => {
    expect(executionTimes({ status: "PENDING", createdAt: at(0), startedAt: null, completedAt: null }, at(30))).toEqual({ queueMs: 30_000, runMs: null, totalMs: 30_000 });
    expect(executionTimes({ status: "RUNNING", createdAt: at(0), startedAt: at(10), completedAt: null }, at(30))).toEqual({ queueMs: 10_000, runMs: 20_000, totalMs: 30_000 });
  });
  it("has no queue time for a run that ended without starting", () => {
    expect(executionTimes({ status: "CANCELLED", createdAt: at(0), startedAt: null, completedAt: at(5) }, at(30))).toEqual({ queueMs: null, runMs: null, totalMs: 5000 });
  });
});
