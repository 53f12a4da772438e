// executions.* through createCaller against a real database: the operator actions applied
// through the lifecycle rules with their audit entries.
import { PEER_HEADER, peerHeaderValue } from "../../server/http/client-address";
import { describe, expect, it } from "vitest";
import { createMemberSession } from "../../server/auth/testing";
import type { AuthSession } from "../../server/auth/session";
import { pool } from "../../server/db/client";
import { ingestEvents } from "../../server/ingest/service";
import { createCaller } from "../../server/routers/_app";
import { createTRPCContext } from "../../server/trpc";
import { createTestOrg } from "../setup/helpers";

async function callerAs(session: AuthSession) {
  return createCaller(await createTRPCContext({ headers: new Headers({ "user-agent": "vitest", [PEER_HEADER]: peerHeaderValue("203.0.113.9") }), session }));
}

async function running(orgId: string, executionId: string, attempt = 1) {
  const results = await ingestEvents({ orgId }, { events: [
    { eventId: `${executionId}-p`, executionId, workflow: "ops.wf", status: "PENDING", attempt },
    { eventId: `${executionId}-r`, executionId, status: "RUNNING", attempt },
  ] });
  expect(results.every((r) => r.outcome === "applied")).toBe(true);
}

async function execution(orgId: string, executionId: string) {
  const { rows } = await pool().query(`SELECT status::text, error, attempt FROM executions WHERE "orgId" = $1 AND "executionId" = $2`, [orgId, executionId]);
  return rows[0];
}

async function audit(orgId: string) {
  const { rows } = await pool().query(
    `SELECT action, "actorType"::text, "actorUserId", "actorLabel", "resourceType", "resourceId", before, after, details, ip, "userAgent", success
       FROM audit_logs WHERE "orgId" = $1 ORDER BY id`,
    [orgId],
  );
  return rows;
}

describe("executions.cancel and executions.markFailed", () => {
  it("cancels an active execution through the lifecycle, counts it once, and audits it", async () => {
    const org = await createTestOrg();
    await running(org.orgId, "job-1", 2);
    const operator = await createMemberSession(org.orgId, "OPERATOR");
    const result = await (await callerAs(operator)).executions.cancel({ orgSlug: org.slug, executionId: "job-1", reason: "  drained the pool  " });
    expect(result).toEqual({ executionId: "job-1", status: "CANCELLED", previousStatus: "RUNNING" });
    expect(await execution(org.orgId, "job-1")).toMatchObject({ status: "CANCELLED", attempt: 2 });

    const { rows: events } = await pool().query(`SELECT "eventId", status::text, outcome::text FROM execution_events WHERE "orgId" = $1 AND "executionId" = 'job-1' ORDER BY id`, [org.orgId]);
    expect(events.at(-1)).toMatchObject({ eventId: expect.stringMatching(/^ui-[0-9a-f-]{36}$/), status: "CANCELLED", outcome: "APPLIED" });
    const { rows: wf } = await pool().query(`SELECT "cancelledCount", "executionCount" FROM workflows WHERE "orgId" = $1 AND key = 'ops.wf'`, [org.orgId]);
    expect(wf[0]).toEqual({ cancelledCount: 1, executionCount: 1 });

    expect(await audit(org.orgId)).toEqual([
      {
        action: "execution.cancel",
        actorType: "USER",
        actorUserId: operator.user.id,
        actorLabel: operator.user.email,
        resourceType: "execution",
        resourceId: "job-1",
        before: { status: "RUNNING" },
        after: { status: "CANCELLED" },
        details: { reason: "drained the pool", eventId: events.at(-1)!.eventId },
        ip: "203.0.113.9",
        userAgent: "vitest",
        success: true,
      },
    ]);
  });

  it("marks an active execution failed with the reason as its error", async () => {
    const org = await createTestOrg();
    await running(org.orgId, "job-2");
    const admin = await createMemberSession(org.orgId, "ADMIN");
    await (await callerAs(admin)).executions.markFailed({ orgSlug: org.slug, executionId: "job-2", reason: "worker host lost" });
    expect(await execution(org.orgId, "job-2")).toMatchObject({ status: "FAILED", error: { message: "worker host lost" } });
    const { rows } = await pool().query(`SELECT "failureCount" FROM workflows WHERE "orgId" = $1 AND key = 'ops.wf'`, [org.orgId]);
    expect(rows[0]).toEqual({ failureCount: 1 });
    expect(await audit(org.orgId)).toEqual([expect.objectContaining({ action: "execution.mark_failed", actorUserId: admin.user.id, success: true, after: { status: "FAILED" } })]);
  });

  it("answers a terminal execution CONFLICT with its current status, changes nothing and audits the attempt", async () => {
    const org = await createTestOrg();
    await running(org.orgId, "job-3");
    await ingestEvents({ orgId: org.orgId }, { events: [{ eventId: "job-3-done", executionId: "job-3", status: "COMPLETED" }] });
    const operator = await createMemberSession(org.orgId, "OPERATOR");
    const err = await (await callerAs(operator)).executions.markFailed({ orgSlug: org.slug, executionId: "job-3", reason: "too late" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "CONFLICT", cause: { details: { currentStatus: "COMPLETED" } } });
    expect(await execution(org.orgId, "job-3")).toMatchObject({ status: "COMPLETED", error: null });
    expect(await audit(org.orgId)).toEqual([
      expect.objectContaining({ action: "execution.mark_failed", actorUserId: operator.user.id, success: false, before: { status: "COMPLETED" } }),
    ]);
  });

  it("answers an unknown execution NOT_FOUND", async () => {
    const org = await createTestOrg();
    const c = await callerAs(await createMemberSession(org.orgId, "OPERATOR"));
    await expect(c.executions.cancel({ orgSlug: org.slug, executionId: "nope", reason: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("requires a reason", async () => {
    const org = await createTestOrg();
    await running(org.orgId, "job-4");
    const c = await callerAs(await createMemberSession(org.orgId, "OPERATOR"));
    for (const reason of ["", "   "]) {
      await expect(c.executions.cancel({ orgSlug: org.slug, executionId: "job-4", reason })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    expect(await execution(org.orgId, "job-4")).toMatchObject({ status: "RUNNING" });
    expect(await audit(org.orgId)).toEqual([]);
  });

  it("lets exactly one of two racing operators win", async () => {
    const org = await createTestOrg();
    await running(org.orgId, "job-5");
    const a = await createMemberSession(org.orgId, "OPERATOR");
    const b = await createMemberSession(org.orgId, "OPERATOR");
    const results = await Promise.allSettled([
      (await callerAs(a)).executions.cancel({ orgSlug: org.slug, executionId: "job-5", reason: "a" }),
      (await callerAs(b)).executions.markFailed({ orgSlug: org.slug, executionId: "job-5", reason: "b" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: "CONFLICT" });
    const final = (await execution(org.orgId, "job-5"))!.status as string;
    expect(["CANCELLED", "FAILED"]).toContain(final);
    expect(rejected.reason).toMatchObject({ cause: { details: { currentStatus: final } } });
    const entries = await audit(org.orgId);
    expect(entries.map((e) => e.success).sort()).toEqual([false, true]);
    const { rows } = await pool().query(`SELECT "cancelledCount" + "failureCount" AS n FROM workflows WHERE "orgId" = $1 AND key = 'ops.wf'`, [org.orgId]);
    expect(Number(rows[0].n)).toBe(1);
  });
});
