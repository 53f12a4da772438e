// Chart buckets: size from the range, the cap on points, alignment, and filled series.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUCKET_ORIGIN_MS, bucketCount, bucketIndex, bucketStart, bucketStarts, chooseBucketMs, DAY_MS, failureRate, fillSeries, HOUR_MS, MAX_POINTS } from "../../server/aggregates/buckets";

const T = Date.parse("2026-03-01T00:00:00Z");

describe("chooseBucketMs", () => {
  it.each([
    [24 * HOUR_MS, 2000, HOUR_MS],
    [30 * DAY_MS, 2000, HOUR_MS],
    [90 * DAY_MS, 2000, 2 * HOUR_MS],
    [365 * DAY_MS, 2000, 6 * HOUR_MS],
    [7 * DAY_MS, 100, 2 * HOUR_MS],
    [30 * DAY_MS, 60, 12 * HOUR_MS],
    [30 * DAY_MS, 59, DAY_MS],
    [3 * 365 * DAY_MS, 20, 56 * DAY_MS],
  ])("range %d ms with at most %d points → %d ms", (range, max, expected) => {
    expect(chooseBucketMs(T, T + range, max)).toBe(expected);
  });

  it("never exceeds the cap, and never exceeds 2,000 whatever is asked", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 * 365 * 24 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 10 * 365 }), (hours, max, offsetDays) => {
        const from = T - offsetDays * DAY_MS + 1234;
        const to = from + hours * HOUR_MS + 1;
        const size = chooseBucketMs(from, to, max);
        const n = bucketCount(from, to, size);
        expect(n).toBeLessThanOrEqual(Math.min(max, MAX_POINTS));
        expect(bucketStarts(from, to, size)).toHaveLength(n);
      }),
    );
  });
});

describe("alignment", () => {
  it("aligns to hours, UTC days and Monday weeks", () => {
    expect(new Date(bucketStart(Date.parse("2026-03-04T10:15:00Z"), HOUR_MS)).toISOString()).toBe("2026-03-04T10:00:00.000Z");
    expect(new Date(bucketStart(Date.parse("2026-03-04T10:15:00Z"), DAY_MS)).toISOString()).toBe("2026-03-04T00:00:00.000Z");
    // 2026-03-04 is a Wednesday; its week starts Monday 2026-03-02
    expect(new Date(bucketStart(Date.parse("2026-03-04T10:15:00Z"), 7 * DAY_MS)).toISOString()).toBe("2026-03-02T00:00:00.000Z");
    expect(new Date(BUCKET_ORIGIN_MS).getUTCDay()).toBe(1);
  });
  it("puts every instant in exactly one bucket of the series", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 * DAY_MS }), fc.constantFrom(HOUR_MS, 3 * HOUR_MS, DAY_MS, 7 * DAY_MS), (t, size) => {
        const start = bucketStart(T + t, size);
        expect(start).toBeLessThanOrEqual(T + t);
        expect(T + t).toBeLessThan(start + size);
        expect(bucketIndex(start, size)).toBe(bucketIndex(T + t, size));
      }),
    );
  });
});

describe("fillSeries", () => {
  it("fills empty buckets and keeps data where it is", () => {
    const from = T;
    const to = T + 5 * HOUR_MS;
    const data = new Map([[bucketIndex(T + 2 * HOUR_MS + 5, HOUR_MS), 7]]);
    expect(fillSeries(from, to, HOUR_MS, data, () => 0).map((p) => p.value)).toEqual([0, 0, 7, 0, 0]);
  });
  it("is empty for an empty range", () => {
    expect(fillSeries(T, T, HOUR_MS, new Map(), () => 0)).toEqual([]);
  });
});

describe("failureRate", () => {
  it("is null without finished runs", () => {
    expect(failureRate(0, 0)).toBeNull();
    expect(failureRate(1, 3)).toBe(0.25);
  });
});
