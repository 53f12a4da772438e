import { describe, expect, it } from "vitest";
import { formatDuration, formatLocalDateTime, formatUtc, STATUS_LABELS } from "../../components/executions/format";
import { STATUSES } from "../../server/executions/status";

describe("formatDuration", () => {
  it.each([
    [null, "—"],
    [undefined, "—"],
    [-5, "—"],
    [Number.NaN, "—"],
    [0, "0 ms"],
    [850, "850 ms"],
    [999.6, "1000 ms"],
    [1_000, "1.0 s"],
    [9_949, "9.9 s"],
    [12_345, "12 s"],
    [59_999, "59 s"],
    [60_000, "1m 00s"],
    [245_000, "4m 05s"],
    [3_599_999, "59m 59s"],
    [3_600_000, "1h 00m"],
    [7_380_000, "2h 03m"],
    [86_400_000, "1d 00h"],
    [273_600_000, "3d 04h"],
  ])("%s ms → %s", (ms, expected) => {
    expect(formatDuration(ms as number | null | undefined)).toBe(expected);
  });
});

describe("dates", () => {
  const instant = new Date("2026-11-23T13:05:09.123Z");

  it("shows UTC for the hover title", () => {
    expect(formatUtc(instant)).toBe("2026-11-23 13:05:09 UTC");
  });

  it("shows the instant in the viewer's time zone", () => {
    expect(formatLocalDateTime(instant, "UTC", "en-US")).toBe("Nov 23, 2026, 13:05:09");
    expect(formatLocalDateTime(instant, "Asia/Tokyo", "en-US")).toBe("Nov 23, 2026, 22:05:09");
    expect(formatLocalDateTime(instant, "America/Los_Angeles", "en-US")).toBe("Nov 23, 2026, 05:05:09");
  });
});

describe("status labels", () => {
  it("label every status, each differently", () => {
    const labels = STATUSES.map((s) => STATUS_LABELS[s]);
    expect(labels.every((l) => typeof l === "string" && l.length > 0)).toBe(true);
    expect(new Set(labels).size).toBe(STATUSES.length);
  });
});
