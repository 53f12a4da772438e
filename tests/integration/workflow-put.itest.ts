// PUT /api/v1/workflows/{key}: creates or updates with PATCH's body, audited like PATCH, so
// thresholds apply from a workflow's first execution; another organization's workflow stays its own.
import { beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../server/db/client";
import { createTestApiKey, createTestOrg } from "../setup/helpers";
import { api } from "./api-helpers";

let t: { orgId: string; key: string };
beforeAll(async () => {
  const org = await createTestOrg();
  t = { orgId: org.orgId, key: (await createTestApiKey(org.orgId)).key };
});

const auditOf = async (orgId: string, key: string) =>
  (
    await pool().query(`SELECT action, "actorType", success, before, after FROM audit_logs WHERE "orgId" = $1 AND "resourceId" = $2 ORDER BY id`, [orgId, key])
  ).rows;

describe("PUT /api/v1/workflows/{key}", () => {
  it("creates a new workflow with the thresholds, which apply to its first execution", async () => {
    const put = await api.putWorkflow(t.key, "put.new", { stuckScheduledAfterSeconds: 1, stuckRunningAfterSeconds: 600 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ key: "put.new", name: "put.new", executionCount: 0, stuckScheduledAfterSeconds: 1, stuckRunningAfterSeconds: 600 });
    expect((await api.getWorkflow(t.key, "put.new")).body).toMatchObject({ stuckScheduledAfterSeconds: 1 });
    await api.postEvents(t.key, { eventId: "pn-1", executionId: "pn", workflow: "put.new", status: "SCHEDULED", occurredAt: new Date(Date.now() - 5_000).toISOString() });
    expect((await api.getExecution(t.key, "pn")).body).toMatchObject({ stuck: true, stuckReason: "scheduled" });
    expect((await api.getWorkflow(t.key, "put.new")).body).toMatchObject({ executionCount: 1, stuckScheduledAfterSeconds: 1 });
    expect(await auditOf(t.orgId, "put.new")).toEqual([
      { action: "workflow.create", actorType: "API_KEY", success: true, before: null, after: expect.objectContaining({ stuckScheduledAfterSeconds: 1 }) },
    ]);
  });

  it("updates a known workflow like PATCH, audited with before and after; {} creates with defaults", async () => {
    await api.postEvents(t.key, { eventId: "pk-1", executionId: "pk", workflow: "put.known", status: "RUNNING" });
    const put = await api.putWorkflow(t.key, "put.known", { name: "Known", stuckRunningAfterSeconds: 120 });
    expect(put.body).toMatchObject({ key: "put.known", name: "Known", executionCount: 1, stuckRunningAfterSeconds: 120, stuckScheduledAfterSeconds: 300 });
    const [entry] = await auditOf(t.orgId, "put.known");
    expect(entry).toMatchObject({ action: "workflow.update", before: expect.objectContaining({ stuckRunningAfterSeconds: 1800 }), after: expect.objectContaining({ stuckRunningAfterSeconds: 120 }) });
    // null resets to the organization's default, as with PATCH
    expect((await api.putWorkflow(t.key, "put.known", { stuckRunningAfterSeconds: null })).body).toMatchObject({ stuckRunningAfterSeconds: 1800 });
    expect((await api.putWorkflow(t.key, "put.empty", {})).body).toMatchObject({ key: "put.empty", stuckRunningAfterSeconds: 1800 });
    // a schedule can be set before the first execution too (the same body as PATCH)
    const scheduled = await api.putWorkflow(t.key, "put.scheduled", { schedule: { everySeconds: 3600 } });
    expect(scheduled.status).toBe(200);
    expect(scheduled.body).toMatchObject({ key: "put.scheduled", schedule: { everySeconds: 3600 } });
    expect((await api.putWorkflow(t.key, "put.scheduled", { schedule: { cron: "not a cron" } })).status).toBe(400);
  });

  it("refuses a bad body with 400 and creates nothing; another organization's key is a workflow of its own", async () => {
    for (const body of [{ stuckRunningAfterSeconds: 0 }, { colour: "red" }, { name: "" }, [1]]) {
      const r = await api.putWorkflow(t.key, "put.bad", body);
      expect(r.status).toBe(400);
      expect(typeof r.body.error).toBe("string");
    }
    expect((await api.getWorkflow(t.key, "put.bad")).status).toBe(404);
    expect((await api.putWorkflow(t.key, "x".repeat(201), {})).status).toBe(400);

    await api.putWorkflow(t.key, "put.shared", { stuckRunningAfterSeconds: 77 });
    const other = await createTestOrg();
    const otherKey = (await createTestApiKey(other.orgId)).key;
    const theirs = await api.putWorkflow(otherKey, "put.shared", { name: "Theirs" });
    expect(theirs.body).toMatchObject({ key: "put.shared", name: "Theirs", stuckRunningAfterSeconds: 1800 });
    expect((await api.getWorkflow(t.key, "put.shared")).body).toMatchObject({ name: "put.shared", stuckRunningAfterSeconds: 77 });
  });
});
