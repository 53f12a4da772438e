// Which execution changes ingestion hands to the incremental sweep (server/executions/stuck-recheck.ts),
// and how the sweep splits its judged rows into the stuck set and the open alerts (pure steps).
import { describe, expect, it } from "vitest";
import { recheckCandidate } from "../../server/executions/stuck-recheck";
import { splitJudged } from "../../server/monitor/sweep";
import type { StuckInput } from "../../server/executions/stuck";

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));
const state = (status: StuckInput["status"], at: number, heartbeat: number | null = null): StuckInput => ({
  status,
  statusChangedAt: t(at),
  startedAt: status === "RUNNING" ? t(at) : null,
  lastHeartbeatAt: heartbeat === null ? null : t(heartbeat),
  lastEventAt: t(heartbeat ?? at),
});

describe("recheckCandidate", () => {
  it("is null when the rule's inputs did not change, or when neither state is active", () => {
    expect(recheckCandidate("x", "1", state("RUNNING", 0, 5), state("RUNNING", 0, 5))).toBeNull();
    expect(recheckCandidate("x", "1", state("COMPLETED", 0), state("FAILED", 3))).toBeNull();
    expect(recheckCandidate("x", "1", null, state("PENDING", 0))).toBeNull();
  });

  it("carries the earliest 'since' of either state, per stage, for the SQL to weigh against the threshold", () => {
    // moved on from Scheduled: the old stage's since (its alert may need to resolve)
    expect(recheckCandidate("x", "1", state("SCHEDULED", 0), state("RUNNING", 9))).toEqual({ executionId: "x", workflowId: "1", scheduled: t(0), running: t(9) });
    // a heartbeat of a running execution: the older sign of life
    expect(recheckCandidate("x", "1", state("RUNNING", 0, 5), state("RUNNING", 0, 20))).toMatchObject({ scheduled: null, running: t(5) });
    // created already Scheduled (an old occurredAt): stuck on arrival, maybe
    expect(recheckCandidate("x", "1", null, state("SCHEDULED", 1))).toMatchObject({ scheduled: t(1), running: null });
    // ended while running
    expect(recheckCandidate("x", "1", state("RUNNING", 0), state("COMPLETED", 30))).toMatchObject({ scheduled: null, running: t(0) });
  });
});

describe("splitJudged", () => {
  const row = (executionId: string, extra: Record<string, unknown> = {}) => ({
    orgId: "o",
    executionId,
    workflowId: "1",
    status: "SCHEDULED" as const,
    attempt: 1,
    reason: "scheduled" as const,
    since: t(0),
    thresholdSeconds: 5,
    autoTimeoutMultiple: null,
    alertId: null,
    alertReason: null,
    alertSince: null,
    alertTimedOutAt: null,
    ...extra,
  });

  it("one stuck row per execution, one open alert per alert row; a gone execution has no status", () => {
    const { stuck, open } = splitJudged([
      row("a", { alertId: "1", alertReason: "scheduled", alertSince: t(0) }),
      row("a", { alertId: "2", alertReason: "running", alertSince: t(0) }),
      row("b"),
      row("c", { workflowId: null, status: null, attempt: null, reason: null, since: null, thresholdSeconds: null, alertId: "3", alertReason: "running", alertSince: t(0) }),
    ]);
    expect(stuck.map((s) => s.executionId)).toEqual(["a", "b"]);
    expect(open.map((a) => [a.id, a.executionId, a.reason, a.currentStatus])).toEqual([
      ["1", "a", "scheduled", "SCHEDULED"],
      ["2", "a", "running", "SCHEDULED"],
      ["3", "c", "running", null],
    ]);
  });
});
