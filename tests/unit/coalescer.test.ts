import { describe, expect, it } from "vitest";
import { createCoalescer, nextTypicalGroup, shouldFlush } from "../../server/ingest/coalescer";
import type { IngestResult } from "../../server/ingest/service";

// A fake ingestion that records each flush and answers one result per event, after a tick.
function fakeIngest(opts: { failOn?: string } = {}) {
  const flushes: Array<{ orgId: string; events: string[] }> = [];
  const ingest = async ({ orgId }: { orgId: string }, { events }: { events: readonly unknown[] }): Promise<IngestResult[]> => {
    const ids = events as string[];
    flushes.push({ orgId, events: [...ids] });
    await new Promise((r) => setTimeout(r, 5));
    if (opts.failOn && ids.includes(opts.failOn)) throw new Error("database down");
    return ids.map((id) => ({ eventId: id, outcome: "applied", status: "PENDING" }));
  };
  return { ingest, flushes };
}

describe("createCoalescer", () => {
  it("flushes a lone request at once", async () => {
    const { ingest, flushes } = fakeIngest();
    const coalesced = createCoalescer(ingest);
    expect((await coalesced({ orgId: "org" }, { events: ["a"] })).map((r) => r.eventId)).toEqual(["a"]);
    expect(flushes).toEqual([{ orgId: "org", events: ["a"] }]);
  });

  it("groups requests that arrive during a flush, in arrival order, and gives each its own results", async () => {
    const { ingest, flushes } = fakeIngest();
    const coalesced = createCoalescer(ingest);
    const first = coalesced({ orgId: "org" }, { events: ["a"] });
    const rest = [coalesced({ orgId: "org" }, { events: ["b", "c"] }), coalesced({ orgId: "org" }, { events: ["d"] }), coalesced({ orgId: "org" }, { events: ["e", "f", "g"] })];
    expect((await first).map((r) => r.eventId)).toEqual(["a"]);
    expect((await Promise.all(rest)).map((rs) => rs.map((r) => r.eventId))).toEqual([["b", "c"], ["d"], ["e", "f", "g"]]);
    expect(flushes.map((f) => f.events)).toEqual([["a"], ["b", "c", "d", "e", "f", "g"]]);
  });

  it("keeps organizations apart", async () => {
    const { ingest, flushes } = fakeIngest();
    const coalesced = createCoalescer(ingest);
    await Promise.all([coalesced({ orgId: "org-1" }, { events: ["a"] }), coalesced({ orgId: "org-2" }, { events: ["b"] }), coalesced({ orgId: "org-1" }, { events: ["c"] })]);
    expect(flushes.filter((f) => f.orgId === "org-2").map((f) => f.events)).toEqual([["b"]]);
    expect(flushes.filter((f) => f.orgId === "org-1").flatMap((f) => f.events)).toEqual(["a", "c"]);
  });

  it("never puts more than maxEvents in one flush, but always takes at least one request", async () => {
    const { ingest, flushes } = fakeIngest();
    const coalesced = createCoalescer(ingest, { maxEvents: 4, maxInFlight: 1 });
    const big = ["1", "2", "3", "4", "5", "6"];
    await Promise.all([coalesced({ orgId: "org" }, { events: ["a"] }), coalesced({ orgId: "org" }, { events: ["b", "c"] }), coalesced({ orgId: "org" }, { events: ["d", "e", "f"] }), coalesced({ orgId: "org" }, { events: big })]);
    expect(flushes.map((f) => f.events)).toEqual([["a"], ["b", "c"], ["d", "e", "f"], big]);
  });

  it("a failed flush fails only the requests in it; the next flush goes on", async () => {
    const { ingest } = fakeIngest({ failOn: "bad" });
    const coalesced = createCoalescer(ingest);
    const first = coalesced({ orgId: "org" }, { events: ["ok-1"] });
    const doomed = [coalesced({ orgId: "org" }, { events: ["bad"] }), coalesced({ orgId: "org" }, { events: ["x"] })];
    await expect(first).resolves.toHaveLength(1);
    await expect(doomed[0]).rejects.toThrow("database down");
    await expect(doomed[1]).rejects.toThrow("database down");
    await expect(coalesced({ orgId: "org" }, { events: ["later"] })).resolves.toHaveLength(1);
  });

  it("starts a further flush alongside the running one once a group as large as the recent ones has formed", async () => {
    let running = 0;
    let most = 0;
    const flushes: string[][] = [];
    const ingest = async (_ctx: { orgId: string }, { events }: { events: readonly unknown[] }): Promise<IngestResult[]> => {
      flushes.push([...(events as string[])]);
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return (events as string[]).map((id) => ({ eventId: id, outcome: "applied", status: "PENDING" }));
    };
    const coalesced = createCoalescer(ingest, { maxInFlight: 2 });
    const ids = Array.from({ length: 12 }, (_, i) => `e${i}`);
    const answers = await Promise.all(ids.map((id) => coalesced({ orgId: "org" }, { events: [id] })));
    expect(answers.map((rs) => rs[0]!.eventId)).toEqual(ids);
    expect(most).toBe(2);
    // e0 alone; e1..e4 start a second flush while e0 runs; the rest wait for one of them
    expect(flushes).toEqual([["e0"], ["e1", "e2", "e3", "e4"], ids.slice(5)]);
  });
});

describe("the group-commit policy", () => {
  it("flushes a lone request at once and nothing when nothing is queued", () => {
    expect(shouldFlush({ inFlight: 0, queuedEvents: 1, typicalGroup: 30 }, 4)).toBe(true);
    expect(shouldFlush({ inFlight: 0, queuedEvents: 0, typicalGroup: 1 }, 4)).toBe(false);
  });

  it("while flushes run, starts another only for a group as large as the recent ones, and at most maxInFlight", () => {
    expect(shouldFlush({ inFlight: 1, queuedEvents: 3, typicalGroup: 1 }, 4)).toBe(false);
    expect(shouldFlush({ inFlight: 1, queuedEvents: 4, typicalGroup: 1 }, 4)).toBe(true);
    expect(shouldFlush({ inFlight: 1, queuedEvents: 20, typicalGroup: 30 }, 4)).toBe(false);
    expect(shouldFlush({ inFlight: 2, queuedEvents: 30, typicalGroup: 30 }, 4)).toBe(true);
    expect(shouldFlush({ inFlight: 4, queuedEvents: 500, typicalGroup: 30 }, 4)).toBe(false);
  });

  it("follows the groups flushed", () => {
    let typical = 1;
    for (let i = 0; i < 20; i++) typical = nextTypicalGroup(typical, 32);
    expect(typical).toBeGreaterThan(31);
    for (let i = 0; i < 20; i++) typical = nextTypicalGroup(typical, 1);
    expect(typical).toBeLessThan(2);
  });
});
