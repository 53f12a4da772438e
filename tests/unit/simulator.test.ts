// The simulator's scenario generator: deterministic per seed, valid first events, the hard
// cases at their configured rates, and eventIds unique except where a duplicate is intended.
import { describe, expect, it } from "vitest";
import { validateEvent } from "../../server/ingest/event-schema";
import { DEFAULT_RATES, ScenarioGenerator, generateAll, type PlannedSend } from "../../server/simulator/scenario";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");

function firstSendPerExecution(sends: PlannedSend[]): Map<string, PlannedSend> {
  const first = new Map<string, PlannedSend>();
  for (const s of sends) if (!first.has(s.event.executionId)) first.set(s.event.executionId, s);
  return first;
}

describe("determinism", () => {
  it("gives the same traffic for the same seed", () => {
    const a = generateAll({ seed: 42, rate: 5, startAt: T0, durationMs: 60_000 });
    const b = generateAll({ seed: 42, rate: 5, startAt: T0, durationMs: 60_000 });
    expect(a.sends.length).toBeGreaterThan(500);
    expect(b.sends).toEqual(a.sends);
  });

  it("gives different traffic for another seed", () => {
    const a = generateAll({ seed: 42, rate: 5, startAt: T0, durationMs: 60_000 });
    const b = generateAll({ seed: 43, rate: 5, startAt: T0, durationMs: 60_000 });
    expect(b.sends.map((s) => s.event)).not.toEqual(a.sends.map((s) => s.event));
  });

  it("does not depend on how often the clock is read", () => {
    const whole = generateAll({ seed: 7, rate: 3, startAt: T0, durationMs: 30_000 }).sends;
    const gen = new ScenarioGenerator({ seed: 7, rate: 3, startAt: T0, stopStartingAt: T0 + 30_000 });
    const ticked: PlannedSend[] = [];
    for (let t = T0; t < T0 + 400_000; t += 137) ticked.push(...gen.advance(t));
    ticked.push(...gen.advance(Number.MAX_SAFE_INTEGER));
    expect(ticked).toEqual(whole);
  });

  it("hands out sends in time order and never before the event happened", () => {
    const { sends } = generateAll({ seed: 3, rate: 5, startAt: T0, durationMs: 60_000 });
    for (let i = 1; i < sends.length; i++) expect(sends[i]!.at).toBeGreaterThanOrEqual(sends[i - 1]!.at);
    for (const s of sends) expect(s.at).toBeGreaterThanOrEqual(Date.parse(s.event.occurredAt));
  });

  it("starts executions at the configured rate", () => {
    const gen = new ScenarioGenerator({ seed: 11, rate: 4, startAt: T0, stopStartingAt: T0 + 500_000 });
    gen.advance(T0 + 500_000);
    const roots = gen.executions.filter((e) => e.role === "root").length;
    expect(roots / 500).toBeGreaterThan(3.6);
    expect(roots / 500).toBeLessThan(4.4);
  });
});

describe("events", () => {
  const { sends, executions } = generateAll({ seed: 1234, rate: 10, startAt: T0, durationMs: 300_000 });

  it("names the workflow on the first event sent of every execution, which is a status event", () => {
    const first = firstSendPerExecution(sends);
    expect(first.size).toBe(executions.length);
    for (const s of first.values()) {
      expect(s.event.type).toBeUndefined();
      expect(s.event.status).toBeDefined();
      expect(s.event.workflow).toBeTruthy();
      // a PUT on an unknown execution is a 404: the first event always goes through POST
      expect(s.channel).not.toBe("put");
    }
  });

  it("keeps eventIds unique except for intended duplicates, which repeat an event exactly", () => {
    const originals = new Map<string, PlannedSend>();
    for (const s of sends.filter((s) => s.hardCase !== "duplicate")) {
      expect(originals.has(s.event.eventId), s.event.eventId).toBe(false);
      originals.set(s.event.eventId, s);
    }
    const duplicates = sends.filter((s) => s.hardCase === "duplicate");
    expect(duplicates.length).toBeGreaterThan(0);
    for (const d of duplicates) {
      const original = originals.get(d.event.eventId);
      expect(original, d.event.eventId).toBeDefined();
      expect(d.event).toEqual(original!.event);
      expect(d.at).toBeGreaterThan(original!.at);
    }
  });

  it("gives every event a shape the ingestion accepts", () => {
    const problems: string[] = [];
    for (const { event, channel } of sends) {
      const v = validateEvent(JSON.parse(JSON.stringify(event)));
      if (!v.ok) problems.push(`${event.eventId}: ${v.reason}`);
      if (channel === "put" && !["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"].includes(event.status ?? "")) problems.push(`${event.eventId}: PUT of ${event.status}`);
    }
    expect(problems).toEqual([]);
  });

  it("covers every lifecycle path: outcomes, retries, waits, chains and children", () => {
    const fates = new Set(executions.map((e) => e.fate));
    expect([...fates].sort()).toEqual(["CANCELLED", "COMPLETED", "CONTINUED_AS_NEW", "FAILED", "TIMED_OUT", "VANISHED_RUNNING", "VANISHED_SCHEDULED"]);
    expect(executions.some((e) => e.attempts > 1)).toBe(true);
    expect(executions.some((e) => e.waited)).toBe(true);
    expect(executions.some((e) => e.role === "child")).toBe(true);
    expect(executions.some((e) => e.role === "successor")).toBe(true);
    const channels = new Set(sends.map((s) => s.channel));
    expect([...channels].sort()).toEqual(["batch", "put", "single"]);
    expect(sends.some((s) => s.event.type === "heartbeat")).toBe(true);
    expect(sends.some((s) => s.event.parentExecutionId)).toBe(true);
    expect(sends.some((s) => s.event.status === "WAITING")).toBe(true);
  });

  it("links each continued-as-new run to a successor that has events of its own", () => {
    const ids = new Set(sends.map((s) => s.event.executionId));
    const links = sends.filter((s) => s.event.continuedAsNewTo);
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect(ids.has(l.event.continuedAsNewTo!)).toBe(true);
  });

  it("sends no event at all after a vanished worker's last one", () => {
    const lastStatus = new Map<string, string>();
    for (const s of [...sends].sort((a, b) => Date.parse(a.event.occurredAt) - Date.parse(b.event.occurredAt))) {
      if (s.event.status && s.hardCase !== "outOfOrder") lastStatus.set(s.event.executionId, s.event.status);
    }
    for (const e of executions) {
      if (e.fate === "VANISHED_SCHEDULED") expect(lastStatus.get(e.executionId)).toBe("SCHEDULED");
      if (e.fate === "VANISHED_RUNNING") expect(lastStatus.get(e.executionId)).toBe("RUNNING");
    }
  });
});

describe("hard cases at their configured rates", () => {
  const rates = { late: 0.1, duplicate: 0.08, outOfOrder: 0.3, vanishAfterScheduled: 0.05, vanishWhileRunning: 0.07 };
  const { sends, executions } = generateAll({ seed: 99, rate: 20, startAt: T0, durationMs: 300_000, rates });
  const originals = sends.filter((s) => s.hardCase !== "duplicate" && s.hardCase !== "outOfOrder");
  const byExecution = new Map<string, PlannedSend[]>();
  for (const s of sends) byExecution.set(s.event.executionId, [...(byExecution.get(s.event.executionId) ?? []), s]);
  const within = (observed: number, expected: number) => {
    expect(observed).toBeGreaterThan(expected * 0.85);
    expect(observed).toBeLessThan(expected * 1.15);
  };

  it("delivers the configured share of events late, seconds after events that happened later", () => {
    const first = firstSendPerExecution(sends);
    const eligible = originals.filter((s) => first.get(s.event.executionId) !== s);
    const late = eligible.filter((s) => s.hardCase === "late");
    within(late.length / eligible.length, rates.late);
    for (const s of late) expect(s.at - Date.parse(s.event.occurredAt)).toBeGreaterThanOrEqual(2000);
    // at least some of them are overtaken by a later event of the same execution
    const overtaken = late.filter((l) =>
      byExecution.get(l.event.executionId)!.some((o) => Date.parse(o.event.occurredAt) > Date.parse(l.event.occurredAt) && o.at < l.at),
    );
    expect(overtaken.length / late.length).toBeGreaterThan(0.5);
  });

  it("resends the configured share of events with the same eventId", () => {
    within(sends.filter((s) => s.hardCase === "duplicate").length / originals.length, rates.duplicate);
  });

  it("sends RUNNING after the terminal event for the configured share of finished runs", () => {
    const eligible = executions.filter((e) => ["COMPLETED", "FAILED", "TIMED_OUT"].includes(e.fate));
    within(eligible.filter((e) => e.outOfOrder).length / eligible.length, rates.outOfOrder);
    for (const s of sends.filter((s) => s.hardCase === "outOfOrder")) {
      expect(s.event.status).toBe("RUNNING");
      const terminal = byExecution.get(s.event.executionId)!.find((t) => t.event.status && ["COMPLETED", "FAILED", "TIMED_OUT"].includes(t.event.status));
      expect(terminal).toBeDefined();
      expect(s.at).toBeGreaterThan(terminal!.at);
      expect(Date.parse(s.event.occurredAt)).toBeLessThan(Date.parse(terminal!.event.occurredAt));
    }
  });

  it("loses workers after SCHEDULED and while RUNNING at the configured rates", () => {
    within(executions.filter((e) => e.fate === "VANISHED_SCHEDULED").length / executions.length, rates.vanishAfterScheduled);
    within(executions.filter((e) => e.fate === "VANISHED_RUNNING").length / executions.length, rates.vanishWhileRunning);
  });

  it("produces none of them when their rates are zero", () => {
    const zero = { late: 0, duplicate: 0, outOfOrder: 0, vanishAfterScheduled: 0, vanishWhileRunning: 0 };
    const quiet = generateAll({ seed: 5, rate: 10, startAt: T0, durationMs: 60_000, rates: zero });
    expect(quiet.sends.filter((s) => s.hardCase)).toEqual([]);
    expect(quiet.executions.filter((e) => e.fate.startsWith("VANISHED"))).toEqual([]);
  });

  it("uses the documented defaults when no rates are given", () => {
    expect(DEFAULT_RATES.late).toBeGreaterThan(0);
    expect(DEFAULT_RATES.duplicate).toBeGreaterThan(0);
    expect(DEFAULT_RATES.outOfOrder).toBeGreaterThan(0);
  });
});
