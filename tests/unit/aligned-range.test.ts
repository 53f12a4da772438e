// splitRange: days, hours and ragged edges cover [from, to) exactly once, each piece on its grain.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitRange } from "../../server/aggregates/aligned-range";
import { DAY_MS, HOUR_MS } from "../../server/aggregates/buckets";

const T = Date.parse("2026-03-01T00:00:00Z");
const INF = 1e15;

describe("splitRange", () => {
  it("splits a ragged 24 h range into two ragged edges and 23 whole hours", () => {
    const from = T + 5 * HOUR_MS + 123;
    const p = splitRange(from, from + DAY_MS);
    expect(p.ragged).toEqual([
      { from, to: T + 6 * HOUR_MS },
      { from: T + DAY_MS + 5 * HOUR_MS, to: from + DAY_MS },
    ]);
    expect(p.hours).toEqual([{ from: T + 6 * HOUR_MS, to: T + DAY_MS + 5 * HOUR_MS }]);
    expect(p.days).toBeNull();
  });

  it("splits a range that crosses one hour boundary, with no whole hour inside, at that boundary", () => {
    // 1 h + 1 ms long: as one ragged piece it was longer than an hour
    const from = T + 10 * HOUR_MS + 1;
    const p = splitRange(from, from + HOUR_MS + 1);
    expect(p).toEqual({ days: null, hours: [], ragged: [{ from, to: T + 11 * HOUR_MS }, { from: T + 11 * HOUR_MS, to: from + HOUR_MS + 1 }] });
    // within one hour it stays one piece
    expect(splitRange(from, from + 10)).toEqual({ days: null, hours: [], ragged: [{ from, to: from + 10 }] });
  });

  it("keeps open ends open in the days piece", () => {
    expect(splitRange(null, null)).toEqual({ days: { from: null, to: null }, hours: [], ragged: [] });
    expect(splitRange(T + 1, null)).toEqual({ days: { from: T + DAY_MS, to: null }, hours: [{ from: T + HOUR_MS, to: T + DAY_MS }], ragged: [{ from: T + 1, to: T + HOUR_MS }] });
  });

  it("covers every instant of [from, to) exactly once, with pieces on their grain", () => {
    const instant = fc.integer({ min: T - 40 * DAY_MS, max: T + 40 * DAY_MS });
    const end = fc.option(fc.oneof(instant, instant.map((t) => Math.floor(t / HOUR_MS) * HOUR_MS), instant.map((t) => Math.floor(t / DAY_MS) * DAY_MS)), { nil: null });
    fc.assert(
      fc.property(end, end, fc.array(instant, { minLength: 1, maxLength: 20 }), (from, to, probes) => {
        const p = splitRange(from, to);
        const lo = (x: number | null) => x ?? -INF;
        const hi = (x: number | null) => x ?? INF;
        const pieces = [...(p.days ? [{ from: lo(p.days.from), to: hi(p.days.to) }] : []), ...p.hours, ...p.ragged];
        for (const h of p.hours) expect(h.from % HOUR_MS === 0 && h.to % HOUR_MS === 0 && h.to - h.from < 2 * DAY_MS).toBe(true);
        for (const r of p.ragged) expect(r.to - r.from <= HOUR_MS).toBe(true);
        if (p.days) expect([p.days.from, p.days.to].every((d) => d === null || d % DAY_MS === 0)).toBe(true);
        for (const t of [...probes, ...(from !== null ? [from, from - 1] : []), ...(to !== null ? [to, to - 1] : [])]) {
          const inRange = t >= lo(from) && t < hi(to);
          expect(pieces.filter((x) => t >= x.from && t < x.to).length).toBe(inRange ? 1 : 0);
        }
      }),
      { numRuns: 500 },
    );
  });
});
