import { describe, expect, it } from "vitest";
import { createCoalescer } from "../../server/ingest/coalescer";
import type { IngestResult } from "../../server/ingest/service";

// A fake ingestion that records each flush and answers one result per event, after a tick.
function fakeIngest(opts: { failOn?: string } = {}) {
  const flushes: Array<{ orgId: string; events: string[] }> = [];
  const ingest = async (orgId: string, events: readonly unknown[]): Promise<IngestResult[]> => {
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
    expect((await coalesced("org", ["a"])).map((r) => r.eventId)).toEqual(["a"]);
    expect(flushes).toEqual([{ orgId: "org", events: ["a"] }]);
  });

  it("groups requests that arrive during a flush, in arrival order, and gives each its own results", async () => {
    const { ingest, flushes } = fakeIngest();
    const coalesced = createCoalescer(ingest);
    const first = coalesced("org", ["a"]);
    const rest = [coalesced("org", ["b", "c"]), coalesced("org", ["d"]), coalesced("org", ["e", "f", "g"])];
    expect((await first).map((r) => r.eventId)).toEqual(["a"]);
    expect((await Promise.all(rest)).map((rs) => rs.map((r) => r.eventId))).toEqual([["b", "c"], ["d"], ["e", "f", "g"]]);
    expect(flushes.map((f) => f.events)).toEqual([["a"], ["b", "c", "d", "e", "f", "g"]]);
  });

  it("keeps organizations apart", async () => {
    const { ingest, flushes } = fakeIngest();
    const coalesced = createCoalescer(ingest);
    await Promise.all([coalesced("org-1", ["a"]), coalesced("org-2", ["b"]), coalesced("org-1", ["c"])]);
    expect(flushes.filter((f) => f.orgId === "org-2").map((f) => f.events)).toEqual([["b"]]);
    expect(flushes.filter((f) => f.orgId === "org-1").flatMap((f) => f.events)).toEqual(["a", "c"]);
  });

  it("never puts more than maxEvents in one flush, but always takes at least one request", async () => {
    const { ingest, flushes } = fakeIngest();
    const coalesced = createCoalescer(ingest, 4);
    const big = ["1", "2", "3", "4", "5", "6"];
    await Promise.all([coalesced("org", ["a"]), coalesced("org", ["b", "c"]), coalesced("org", ["d", "e", "f"]), coalesced("org", big)]);
    expect(flushes.map((f) => f.events)).toEqual([["a"], ["b", "c"], ["d", "e", "f"], big]);
  });

  it("a failed flush fails only the requests in it; the next flush goes on", async () => {
    const { ingest } = fakeIngest({ failOn: "bad" });
    const coalesced = createCoalescer(ingest);
    const first = coalesced("org", ["ok-1"]);
    const doomed = [coalesced("org", ["bad"]), coalesced("org", ["x"])];
    await expect(first).resolves.toHaveLength(1);
    await expect(doomed[0]).rejects.toThrow("database down");
    await expect(doomed[1]).rejects.toThrow("database down");
    await expect(coalesced("org", ["later"])).resolves.toHaveLength(1);
  });
});
