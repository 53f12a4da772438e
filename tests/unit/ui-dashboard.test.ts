// Pure pieces of the dashboard UI: stuck labels and ages, the list's URL state (cursor stack,
// snapshot, filters decoded leniently into canonical form), metadata input, live row merge.
import { describe, expect, it } from "vitest";
import { formatAge, formatPercent, stuckLabel } from "../../components/executions/format";
import {
  filtersFromQuery,
  formatMetadataInput,
  fromLocalInput,
  mergeRows,
  parseCursorStack,
  parseMetadataInput,
  parseSnapshot,
  popCursor,
  pushCursor,
  serializeCursorStack,
  toLocalInput,
} from "../../components/dashboard/url-state";
import { RANGE_PRESET_OPTIONS } from "../../components/dashboard/ranges";
import { RANGE_PRESETS } from "../../server/executions/filters";
import type { ExecutionListRow } from "../../server/executions/list";

describe("formatAge and stuckLabel", () => {
  it.each([
    [0, "0 s"],
    [59_999, "59 s"],
    [60_000, "1 min"],
    [12 * 60_000 + 5_000, "12 min"],
    [3 * 3_600_000 + 5 * 60_000, "3 h 05 min"],
    [2 * 86_400_000 + 4 * 3_600_000, "2 d 04 h"],
    [-5_000, "0 s"],
  ])("%i ms → %s", (ms, text) => expect(formatAge(ms)).toBe(text));

  it("says where it is stuck and for how long", () => {
    const now = new Date("2026-01-01T12:00:00Z");
    expect(stuckLabel("scheduled", new Date("2026-01-01T11:48:00Z"), now)).toBe("stuck in Scheduled for 12 min");
    expect(stuckLabel("running", "2026-01-01T10:00:00Z", now)).toBe("stuck in Running for 2 h 00 min");
    expect(stuckLabel("running", null, now)).toBe("stuck in Running");
    expect(stuckLabel(null, new Date(), now)).toBeNull();
  });

  it("formats rates", () => {
    expect(formatPercent(null)).toBe("—");
    expect(formatPercent(1)).toBe("100%");
    expect(formatPercent(0.97345)).toBe("97.3%");
  });
});

describe("list URL state", () => {
  const c1 = "WyIyMDI2LTAxLTAxVDAwOjAwOjAwLjAwMFoiLCIxMiIsIjQwIl0";
  const c2 = "WyIyMDI1LTEyLTMxVDAwOjAwOjAwLjAwMFoiLCI5IiwiNDAiXQ";

  it("keeps a cursor stack: push, pop, round trip through the URL", () => {
    const stack = pushCursor(pushCursor([], c1), c2);
    expect(stack).toEqual([c1, c2]);
    expect(parseCursorStack(serializeCursorStack(stack))).toEqual(stack);
    expect(popCursor(stack)).toEqual([c1]);
    expect(serializeCursorStack([])).toBeNull();
  });

  it("drops a tampered cursor stack or snapshot instead of sending it", () => {
    expect(parseCursorStack(`${c1},<script>`)).toEqual([]);
    expect(parseCursorStack("")).toEqual([]);
    expect(parseSnapshot("123")).toBe("123");
    expect(parseSnapshot("12a")).toBeNull();
    expect(parseSnapshot("1".repeat(20))).toBeNull();
  });

  it("decodes filters leniently into the canonical query", () => {
    const ok = filtersFromQuery("workflow=b,a&status=failed,COMPLETED&statusMode=exclude&stuck=1");
    expect(ok.state.statuses).toEqual(["FAILED", "COMPLETED"]);
    expect(ok.query).toBe("status=COMPLETED%2CFAILED&statusMode=exclude&stuck=1&workflow=b%2Ca");
    expect(ok.dropped).toEqual([]);

    const bad = filtersFromQuery("status=NOPE&range=24h&q=abc");
    expect(bad.query).toBe("range=24h&q=abc");
    expect(bad.dropped.map((d) => d.key)).toEqual(["status"]);
    // from after to: the key the schema names (to) is dropped, the rest kept
    expect(filtersFromQuery("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z&stuck=1").query).toBe("stuck=1&from=2026-02-01T00%3A00%3A00.000Z");
  });

  it("reads metadata as key=value pairs", () => {
    expect(parseMetadataInput("env=prod, team = pay")).toEqual([
      { key: "env", value: "prod" },
      { key: "team", value: "pay" },
    ]);
    expect(parseMetadataInput("")).toEqual([]);
    expect(parseMetadataInput("env")).toBeNull();
    expect(parseMetadataInput("=x")).toBeNull();
    expect(formatMetadataInput([{ key: "a", value: "b=c" }])).toBe("a=b=c");
  });

  it("converts datetime-local values in the viewer's zone", () => {
    const d = fromLocalInput("2026-03-04T05:06");
    expect(d).not.toBeNull();
    expect(toLocalInput(d)).toBe("2026-03-04T05:06");
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("garbage")).toBeNull();
  });
});

describe("mergeRows", () => {
  const row = (id: string, status: ExecutionListRow["status"], updatedAt: number): ExecutionListRow => ({
    executionId: id,
    workflow: "w",
    status,
    attempt: 1,
    createdAt: new Date(0),
    scheduledAt: null,
    startedAt: null,
    completedAt: null,
    durationMs: null,
    stuckReason: null,
    stuckSince: null,
    updatedAt: new Date(updatedAt),
  });

  it("takes the newer state of each visible row and keeps the page's order and set", () => {
    const page = [row("a", "RUNNING", 10), row("b", "RUNNING", 10)];
    const merged = mergeRows(page, [row("b", "COMPLETED", 20), row("a", "PENDING", 5), row("zzz", "FAILED", 99)]);
    expect(merged.map((r) => [r.executionId, r.status])).toEqual([
      ["a", "RUNNING"],
      ["b", "COMPLETED"],
    ]);
    expect(mergeRows(page, undefined)).toBe(page);
  });
});

it("the client's range presets are the filters module's", () => {
  expect([...RANGE_PRESET_OPTIONS]).toEqual([...RANGE_PRESETS]);
});
