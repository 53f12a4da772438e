// Pure parts of the rebuilt executions list (issue 13): stored layout preferences, relative
// times, the detail page's return query, and the filters in words for a bulk confirmation.
import { describe, expect, it } from "vitest";
import { decodeListPrefs, DEFAULT_LIST_PREFS, LIST_COLUMNS } from "../../server/executions/list-prefs";
import { listReturnQuery } from "../../components/dashboard/return-link";
import { describeFilters, filtersFromQuery } from "../../components/dashboard/url-state";
import { formatRelative } from "../../components/executions/format";

describe("list preferences", () => {
  it("fall back to the defaults, field by field, and never hide the execution id", () => {
    expect(decodeListPrefs(null)).toEqual(DEFAULT_LIST_PREFS);
    expect(decodeListPrefs("{not json")).toEqual(DEFAULT_LIST_PREFS);
    expect(decodeListPrefs(JSON.stringify({ columns: ["duration", "status", "bogus"], density: "compact", chartsOpen: false, chartScale: "log" }))).toEqual({
      columns: ["status", "execution", "duration"],
      density: "compact",
      chartsOpen: false,
      chartsPlacement: "below",
      chartScale: "log",
    });
    expect(decodeListPrefs(JSON.stringify({ density: "tiny", chartsPlacement: "left" }))).toMatchObject({ density: "comfortable", chartsPlacement: "below", columns: [...LIST_COLUMNS] });
  });
});

describe("formatRelative", () => {
  const now = new Date("2026-12-01T12:00:00Z");
  it.each([
    [2_000, "just now"],
    [-3_000, "just now"],
    [45_000, "45 s ago"],
    [3 * 60_000, "3 min ago"],
    [5 * 3_600_000, "5 h ago"],
    [3 * 86_400_000, "3 d ago"],
  ])("%d ms ago reads %s", (ms, text) => expect(formatRelative(new Date(now.getTime() - ms), now)).toBe(text));
});

describe("listReturnQuery", () => {
  it("keeps a query string and nothing that could leave the page", () => {
    expect(listReturnQuery("status=FAILED&pages=abc")).toBe("status=FAILED&pages=abc");
    expect(listReturnQuery("?q=ux parent")).toBe("q=ux+parent");
    expect(listReturnQuery(undefined)).toBeNull();
    expect(listReturnQuery("")).toBeNull();
    expect(listReturnQuery(["a=1", "b=2"])).toBe("b=2");
    // a URL becomes a harmless key of a query string, never a path or another host
    expect(listReturnQuery("https://evil.example/x")).not.toMatch(/^https?:|^\//);
    expect(listReturnQuery("x".repeat(9000))).toBeNull();
  });
});

describe("describeFilters", () => {
  it("says the filter in words", () => {
    expect(describeFilters(filtersFromQuery("").state)).toBe("no filter (every execution)");
    expect(describeFilters(filtersFromQuery("status=RUNNING,SCHEDULED&stuck=1&workflow=a&range=24h&q=parent-1").state)).toBe(
      'the filter: status Running or Scheduled, stuck only, workflow a, created in the last 24h, id or workflow containing "parent-1"',
    );
  });
});
