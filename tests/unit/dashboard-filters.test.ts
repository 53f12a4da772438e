// The list's URL filter state: decoding validates, encoding is canonical, round trips hold.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canCountExactly,
  checkUrlState,
  effectiveStatuses,
  filterOfUrlState,
  filterUrlStateSchema,
  joinList,
  parseFilterQuery,
  serializeFilterQuery,
  splitList,
} from "../../server/executions/filters";
import { STATUSES } from "../../server/executions/status";

const state = (s: Record<string, unknown>) => filterUrlStateSchema.parse(s);

describe("parseFilterQuery", () => {
  it("decodes every key", () => {
    const r = parseFilterQuery("status=failed,TIMEOUT&statusMode=exclude&stuck=1&workflow=a,b%252Cc&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&q=ord-1&qMode=exact&meta=env%3Dprod,team%3Dpay%3Dx");
    expect(r).toEqual({
      ok: true,
      dropped: [],
      state: {
        statuses: ["FAILED", "TIMED_OUT"],
        statusMode: "exclude",
        stuck: true,
        workflows: ["a", "b,c"],
        from: new Date("2026-01-01T00:00:00Z"),
        to: new Date("2026-01-02T00:00:00Z"),
        search: "ord-1",
        searchMode: "exact",
        metadata: [
          { key: "env", value: "prod" },
          { key: "team", value: "pay=x" },
        ],
      },
    });
  });

  it("gives defaults for an empty query", () => {
    expect(parseFilterQuery("")).toEqual({ ok: true, dropped: [], state: state({}) });
  });

  it.each([
    ["status=bogus", "status"],
    ["statusMode=maybe", "statusMode"],
    ["stuck=yes", "stuck"],
    ["from=yesterday", "from"],
    ["from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "to"],
    ["range=3w", "range"],
    ["range=24h&from=2026-01-01T00:00:00Z", "range"],
    ["meta=novalue", "meta"],
    ["qMode=fuzzy", "qMode"],
    [`workflow=${"x".repeat(201)}`, "workflow"],
    ["status=FAILED&status=COMPLETED", "status"],
  ])("strict mode rejects %s", (query, key) => {
    const r = parseFilterQuery(query, { strict: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.key)).toContain(key);
  });

  it("lenient mode drops only the invalid keys and says which", () => {
    const r = parseFilterQuery("status=bogus&workflow=billing&stuck=yes");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.state.workflows).toEqual(["billing"]);
    expect(r.state.statuses).toEqual([]);
    expect(r.state.stuck).toBe(false);
    expect(r.dropped.map((d) => d.key).sort()).toEqual(["status", "stuck"]);
  });

  it("lenient mode drops a range that conflicts with from/to, keeping the rest", () => {
    const r = parseFilterQuery("range=24h&from=2026-01-01T00:00:00Z&q=abc");
    expect(r.ok && r.state.search).toBe("abc");
    expect(r.ok && r.state.range).toBeUndefined();
  });

  it("ignores keys that are not filters (cursor, page params)", () => {
    const r = parseFilterQuery({ cursor: "abc", status: "running" });
    expect(r.ok && r.state.statuses).toEqual(["RUNNING"]);
  });
});

describe("serializeFilterQuery", () => {
  it("omits defaults and orders statuses canonically", () => {
    expect(serializeFilterQuery(state({}))).toBe("");
    expect(serializeFilterQuery(state({ statuses: ["TIMED_OUT", "FAILED"], statusMode: "include", searchMode: "exact" }))).toBe("status=FAILED%2CTIMED_OUT");
  });

  it("round-trips any valid state", () => {
    const key = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes("="));
    const arb = fc.record({
      statuses: fc.uniqueArray(fc.constantFrom(...STATUSES), { maxLength: 9 }),
      statusMode: fc.constantFrom("include" as const, "exclude" as const),
      stuck: fc.boolean(),
      workflows: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !s.includes("%2C")), { maxLength: 5 }),
      range: fc.option(fc.constantFrom("1h" as const, "7d" as const), { nil: undefined }),
      search: fc.option(fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() === s && s.length > 0), { nil: undefined }),
      searchMode: fc.constantFrom("prefix" as const, "exact" as const),
      metadata: fc.array(fc.record({ key: key.filter((s) => !s.includes("%2C")), value: fc.string({ maxLength: 20 }).filter((s) => !s.includes("%2C")) }), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(arb, (raw) => {
        const s = state(raw);
        const again = parseFilterQuery(serializeFilterQuery(s), { strict: true });
        expect(again.ok).toBe(true);
        if (!again.ok) return;
        expect(serializeFilterQuery(again.state)).toBe(serializeFilterQuery(s));
        expect(new Set(again.state.statuses)).toEqual(new Set(s.statuses));
        expect(again.state.workflows).toEqual(s.workflows);
        expect(again.state.metadata).toEqual(s.metadata);
        expect(again.state.search).toBe(s.search);
      }),
    );
  });
});

describe("list escaping (as nuqs parseAsArrayOf)", () => {
  it("keeps commas inside items", () => {
    expect(splitList(joinList(["a,b", "c"]))).toEqual(["a,b", "c"]);
  });
});

describe("filterOfUrlState and effectiveStatuses", () => {
  const now = new Date("2026-03-01T12:34:56Z");
  it("resolves a preset against now", () => {
    const f = filterOfUrlState(state({ range: "24h" }), now);
    expect(f.createdFrom).toEqual(new Date("2026-02-28T12:34:56Z"));
    expect(f.createdTo).toBeUndefined();
  });
  it("turns the URL state into the one filter: statuses admitted, search mode, metadata pairs", () => {
    expect(filterOfUrlState(state({ statuses: ["FAILED"], statusMode: "exclude", search: "ord-", searchMode: "prefix", metadata: [{ key: "env", value: "prod" }] }), now)).toEqual({
      statuses: STATUSES.filter((s) => s !== "FAILED"),
      workflows: [],
      stuck: undefined,
      createdFrom: undefined,
      createdTo: undefined,
      executionId: { value: "ord-", mode: "prefix" },
      metadata: { env: "prod" },
    });
    // two values for one key can never both be contained: nothing matches
    expect(filterOfUrlState(state({ metadata: [{ key: "env", value: "prod" }, { key: "env", value: "dev" }] }), now).statuses).toEqual([]);
  });
  it("turns exclude mode into the complement, and stuck narrows to SCHEDULED/RUNNING", () => {
    const f = (s: Record<string, unknown>) => state(s);
    expect(effectiveStatuses(f({}))).toBeNull();
    expect(effectiveStatuses(f({ statuses: ["FAILED"], statusMode: "exclude" }))).toEqual(STATUSES.filter((s) => s !== "FAILED"));
    expect(effectiveStatuses(f({ stuck: true }))).toEqual(["SCHEDULED", "RUNNING"]);
    expect(effectiveStatuses(f({ stuck: true, statuses: ["RUNNING", "FAILED"] }))).toEqual(["RUNNING"]);
    expect(effectiveStatuses(f({ stuck: true, statuses: ["FAILED"] }))).toEqual([]);
  });
  it("counts exactly for every filter but an id or metadata search, whatever the range", () => {
    const f = (s: Record<string, unknown>) => filterOfUrlState(state(s), now);
    expect(canCountExactly(f({ workflows: ["a"], from: new Date("2026-01-01T05:00:00Z") }))).toBe(true);
    expect(canCountExactly(f({ from: new Date("2026-01-01T05:00:01Z"), to: new Date("2026-01-02T05:17:03Z") }))).toBe(true);
    expect(canCountExactly(f({ statuses: ["FAILED"], statusMode: "exclude" }))).toBe(true);
    expect(canCountExactly(f({ stuck: true }))).toBe(true);
    expect(canCountExactly(f({ search: "x" }))).toBe(false);
    expect(canCountExactly(f({ metadata: [{ key: "a", value: "b" }] }))).toBe(false);
    // "only not stuck" (the REST API's stuck=false) has no aggregate
    expect(canCountExactly({ stuck: false })).toBe(false);
  });
});

describe("checkUrlState (zod-free, for the browser) and filterUrlStateSchema agree", () => {
  it("accept and reject the same decoded states, with the same defaults", () => {
    const arb = fc.record(
      {
        statuses: fc.uniqueArray(fc.constantFrom(...STATUSES), { maxLength: 9 }),
        statusMode: fc.constantFrom("include" as const, "exclude" as const),
        stuck: fc.boolean(),
        workflows: fc.array(fc.string({ minLength: 0, maxLength: 210 }), { maxLength: 52 }),
        range: fc.constantFrom("1h", "7d", "3w", "90d"),
        from: fc.date({ min: new Date("2026-01-01"), max: new Date("2026-12-31"), noInvalidDate: true }),
        to: fc.date({ min: new Date("2026-01-01"), max: new Date("2026-12-31"), noInvalidDate: true }),
        search: fc.string({ minLength: 0, maxLength: 205 }),
        searchMode: fc.constantFrom("contains" as const, "prefix" as const, "exact" as const),
        metadata: fc.array(fc.record({ key: fc.string({ maxLength: 205 }), value: fc.string({ maxLength: 1005 }) }), { maxLength: 22 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(arb, (raw) => {
        const hand = checkUrlState({ ...raw });
        const schema = filterUrlStateSchema.safeParse(raw);
        expect(hand.ok).toBe(schema.success);
        if (hand.ok && schema.success) expect(hand.state).toEqual(schema.data);
        if (!hand.ok && !schema.success) expect(new Set(hand.issues.map((i) => i.field))).toEqual(new Set(schema.error.issues.map((i) => String(i.path[0]))));
      }),
      { numRuns: 500 },
    );
  });
});
