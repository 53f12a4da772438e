// The data generator's pure parts: exact allocation, the plan's skew, the progress line, and
// synthetic executions that are what the lifecycle rules would have made of their events.
import { describe, expect, it } from "vitest";
import { applyEvent, type ExecutionState } from "../../server/executions/lifecycle";
import { isTerminal } from "../../server/executions/status";
import { generateExecution } from "../../server/gen/execution";
import { allocate, buildPlan } from "../../server/gen/plan";
import { formatDuration, progressLine } from "../../server/gen/progress";
import { createRng } from "../../server/gen/random";

const now = new Date("2026-11-20T12:00:00Z");

describe("allocate", () => {
  it("gives integer counts that sum exactly to the total", () => {
    for (const total of [0, 1, 7, 1000, 9_999_991]) {
      const out = allocate(total, [0.3, 1.7, 0, 5, 2.2]);
      expect(out.reduce((a, b) => a + b, 0)).toBe(total);
      expect(out.every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
    }
  });
});

describe("buildPlan", () => {
  const plan = buildPlan({ executions: 10_000_000, orgs: 20, workflows: 200, seed: 1, days: 90, now, orgPrefix: "gen" });

  it("puts at least 1M of 10M executions in the largest organization", () => {
    const total = plan.orgs.reduce((a, o) => a + o.weight, 0);
    expect((plan.orgs[0]!.weight / total) * 10_000_000).toBeGreaterThan(1_000_000);
  });

  it("spreads creation over the window with quiet and busy hours, and every org has a workflow", () => {
    expect(plan.perHour).toHaveLength(90 * 24);
    expect(plan.perHour.reduce((a, b) => a + b, 0)).toBe(10_000_000);
    const sorted = [...plan.perHour].sort((a, b) => a - b);
    expect(sorted.at(-1)! / sorted[Math.floor(sorted.length / 2)]!).toBeGreaterThan(3); // bursts
    expect(sorted[0]! / sorted[Math.floor(sorted.length / 2)]!).toBeLessThan(0.5); // nights and weekends
    expect(plan.workflowsByOrg.every((g) => g.indexes.length > 0)).toBe(true);
    expect(new Set(plan.workflows.map((w) => `${w.orgIndex}|${w.key}`)).size).toBe(200);
  });

  it("is the same for the same seed", () => {
    const again = buildPlan({ executions: 10_000_000, orgs: 20, workflows: 200, seed: 1, days: 90, now, orgPrefix: "gen" });
    expect(again.perHour).toEqual(plan.perHour);
    expect(again.workflows.map((w) => w.key)).toEqual(plan.workflows.map((w) => w.key));
  });
});

describe("generateExecution", () => {
  const plan = buildPlan({ executions: 1000, orgs: 2, workflows: 4, seed: 3, days: 10, now, orgPrefix: "gen" });

  it("produces rows that replaying the applied events through the lifecycle rules reproduces", () => {
    const rng = createRng(11);
    for (let i = 0; i < 3000; i++) {
      const createdAt = new Date(now.getTime() - rng.next() * 10 * 86_400_000);
      const g = generateExecution(rng, {
        executionId: `x-${i}`,
        workflow: plan.workflows[i % 4]!,
        createdAt,
        now,
        continuedFrom: null,
        successorId: `x-${i + 1}`,
        parentExecutionId: null,
      });
      expect(g.events.length).toBeGreaterThan(0);
      expect(g.events.every((e) => e.receivedAt.getTime() <= now.getTime())).toBe(true);
      // arrival order
      for (let k = 1; k < g.events.length; k++) expect(g.events[k]!.receivedAt.getTime()).toBeGreaterThanOrEqual(g.events[k - 1]!.receivedAt.getTime());
      let state: ExecutionState | null = null;
      for (const e of g.events) {
        if (!e.claims) continue;
        const d = applyEvent(state, e.type === "HEARTBEAT" ? { type: "heartbeat", attempt: e.attempt, occurredAt: e.occurredAt } : { type: "status", status: e.status!, attempt: e.attempt, occurredAt: e.occurredAt });
        expect(d.outcome.toUpperCase()).toBe(e.outcome);
        if (d.outcome === "applied") state = d.next;
      }
      expect(state!.status).toBe(g.state.status);
      expect(state!.completedAt?.getTime()).toBe(g.state.completedAt?.getTime());
      if (isTerminal(g.state.status)) expect(g.state.durationMs).toBeGreaterThanOrEqual(0);
      if (g.state.status === "CONTINUED_AS_NEW") expect(g.state.continuedAsNewToId).toBe(`x-${i + 1}`);
    }
  });
});

describe("progress", () => {
  it("shows the share, the rate and the time left", () => {
    const line = progressLine({ done: 2_500_000, total: 10_000_000, rows: 20_000_000, elapsedSeconds: 100 });
    expect(line).toContain("25.0%");
    expect(line).toContain("200k rows/s");
    expect(line).toContain("ETA 5m00s");
    expect(formatDuration(3725)).toBe("1h02m");
  });
});
