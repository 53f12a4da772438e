// Substring search on the executions list (issue 13): "parent-1" finds "ux-parent-1" by id, a
// workflow key's substring finds its executions, LIKE's own characters are literal, and the
// trigram index is there.
import { describe, expect, it } from "vitest";
import { pool } from "../../server/db/client";
import { listExecutionRows } from "../../server/executions/list";
import { ingestEvents } from "../../server/ingest/service";
import { createTestOrg } from "../setup/helpers";
import { filterOf } from "../setup/filters";

async function seed(orgId: string) {
  const ev = (executionId: string, workflow: string) => ({ eventId: `${executionId}-p`, executionId, workflow, status: "PENDING" });
  const results = await ingestEvents({ orgId }, { events: [
    ev("ux-parent-1", "orders.sync"),
    ev("ux-parent-10", "orders.sync"),
    ev("child-2", "billing.invoice-run"),
    ev("100%_done", "misc"),
    ev("1000-done", "misc"),
  ] });
  expect(results.every((r) => r.outcome === "applied")).toBe(true);
}

const ids = async (orgId: string, search: string, searchMode?: "contains" | "prefix" | "exact") =>
  (await listExecutionRows({ orgId }, { filter: filterOf({ search, ...(searchMode ? { searchMode } : {}) }), limit: 50 })).items.map((r) => r.executionId).sort();

describe("substring search", () => {
  it("finds by a substring of the id or of the workflow key; prefix and exact stay available", async () => {
    const org = await createTestOrg();
    await seed(org.orgId);
    expect(await ids(org.orgId, "parent-1")).toEqual(["ux-parent-1", "ux-parent-10"]);
    expect(await ids(org.orgId, "invoice")).toEqual(["child-2"]);
    expect(await ids(org.orgId, "%_")).toEqual(["100%_done"]);
    expect(await ids(org.orgId, "parent-1", "prefix")).toEqual([]);
    expect(await ids(org.orgId, "ux-parent-1", "exact")).toEqual(["ux-parent-1"]);
    // another organization's executions never match
    const other = await createTestOrg();
    expect(await ids(other.orgId, "parent-1")).toEqual([]);
  });

  it("the trigram index exists (its use at scale is measured by scripts/bench-search.ts)", async () => {
    const { rows } = await pool().query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'executions_orgId_executionId_trgm_idx'`);
    expect(rows[0]?.indexdef).toMatch(/USING gin \("orgId", "executionId" gin_trgm_ops\)/);
  });
});
