// The hourly aggregate's one definition, shared by ingestion and the bulk generator: the cell an
// execution counts in, and adding then taking back a duration leaves the cell empty.
import { describe, expect, it } from "vitest";
import { bucketOf } from "../../server/metrics/histogram";
import { addDuration, emptyTotals, hourlyContribution, hourlyKey } from "../../server/aggregates/hourly";

const done = { status: "COMPLETED" as const, completedAt: new Date("2026-11-30T10:59:59.999Z"), durationMs: 1500 };

describe("hourly aggregate", () => {
  it("counts a terminal execution in the UTC hour it completed in", () => {
    const c = hourlyContribution(done)!;
    expect(c).toEqual({ hour: new Date("2026-11-30T10:00:00.000Z"), status: "COMPLETED", durationMs: 1500 });
    expect(hourlyKey("7", c)).toBe("7|2026-11-30T10:00:00.000Z|COMPLETED");
  });

  it("does not count an execution that is active or has no duration", () => {
    expect(hourlyContribution(null)).toBeNull();
    expect(hourlyContribution({ ...done, status: "RUNNING" })).toBeNull();
    expect(hourlyContribution({ ...done, durationMs: null })).toBeNull();
    expect(hourlyContribution({ ...done, completedAt: null })).toBeNull();
  });

  it("adds a duration to its bucket and takes it back out", () => {
    const t = emptyTotals();
    addDuration(t, 1500);
    addDuration(t, 20);
    expect(t.count).toBe(2);
    expect(t.durationSumMs).toBe(1520);
    expect(t.histogram[bucketOf(1500)]).toBe(1);
    addDuration(t, 1500, -1);
    addDuration(t, 20, -1);
    expect(t).toEqual(emptyTotals());
  });
});
