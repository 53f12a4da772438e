// Saved views against real PostgreSQL: validated on save and on read, unique names per
// organization, and invisible to other organizations.
import { describe, expect, it } from "vitest";
import { pool } from "../../server/db/client";
import { systemContext } from "../../server/context";
import { createSavedView, deleteSavedView, getSavedView, listSavedViews } from "../../server/views/service";
import { createTestOrg } from "../setup/helpers";

/** The services take a mutation context: who acts (here the system), in which organization. */
const system = (orgId: string) => systemContext(orgId, "views test");

describe("saved views", () => {
  it("creates with a canonical query, lists by name, deletes", async () => {
    const { orgId } = await createTestOrg();
    const v = await createSavedView(system(orgId), { name: "Failures", query: "?workflow=billing&status=timeout,failed" });
    expect(v).toMatchObject({ name: "Failures", query: "status=FAILED%2CTIMED_OUT&workflow=billing", invalidReason: null });
    expect(v.filters).toMatchObject({ statuses: ["FAILED", "TIMED_OUT"], workflows: ["billing"] });
    await createSavedView(system(orgId), { name: "All", query: "" });
    expect((await listSavedViews({ orgId })).map((x) => x.name)).toEqual(["All", "Failures"]);
    expect(await getSavedView({ orgId }, { id: v.id })).toMatchObject({ name: "Failures" });
    expect(await deleteSavedView(system(orgId), { id: v.id })).toEqual({ id: v.id, name: "Failures" });
    expect((await listSavedViews({ orgId })).map((x) => x.name)).toEqual(["All"]);
    await expect(deleteSavedView(system(orgId), { id: v.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("refuses invalid filters, unknown keys, empty names and duplicate names", async () => {
    const { orgId } = await createTestOrg();
    await expect(createSavedView(system(orgId), { name: "x", query: "status=nonsense" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("nonsense") });
    await expect(createSavedView(system(orgId), { name: "x", query: "sort=asc" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("sort") });
    await expect(createSavedView(system(orgId), { name: "x", query: "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(createSavedView(system(orgId), { name: "  ", query: "" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await createSavedView(system(orgId), { name: "Mine", query: "stuck=1" });
    await expect(createSavedView(system(orgId), { name: "Mine", query: "" })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await listSavedViews({ orgId })).toHaveLength(1);
  });

  it("marks a stored query that no longer validates instead of failing the list", async () => {
    const { orgId } = await createTestOrg();
    const v = await createSavedView(system(orgId), { name: "Old", query: "status=FAILED" });
    await pool().query(`UPDATE saved_views SET query = 'status=EXPLODED' WHERE "orgId" = $1 AND id = $2`, [orgId, v.id]);
    const [read] = await listSavedViews({ orgId });
    expect(read).toMatchObject({ name: "Old", filters: null, invalidReason: expect.stringContaining("EXPLODED") });
  });

  it("another organization can neither see nor delete a view, and may reuse its name", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const v = await createSavedView(system(a.orgId), { name: "Shared name", query: "stuck=1" });
    expect(await listSavedViews({ orgId: b.orgId })).toEqual([]);
    expect(await getSavedView({ orgId: b.orgId }, { id: v.id })).toBeNull();
    await expect(deleteSavedView(system(b.orgId), { id: v.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(deleteSavedView(system(b.orgId), { id: "not-a-uuid" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await createSavedView(system(b.orgId), { name: "Shared name", query: "" })).toMatchObject({ name: "Shared name" });
    expect(await listSavedViews({ orgId: a.orgId })).toHaveLength(1);
  });
});
