// Bulk actions (issue 13) through createCaller and the service against a real database: chosen
// ids and "all matching" a filter, keyset chunks, one audit entry with the filter and count,
// terminal executions left alone, alerts acknowledged and resolved, and another organization's
// ids changing nothing, and a job whose process stopped resuming exactly once.
import { describe, expect, it } from "vitest";
import { createMemberSession } from "../../server/auth/testing";
import type { AuthSession } from "../../server/auth/session";
import { pool } from "../../server/db/client";
import { filterOfQuery } from "../../server/executions/filters";
import { systemContext } from "../../server/context";
import { getBulkJob, resumeBulkJobs, settleBulkJobs, startBulkJob } from "../../server/operations/bulk";
import { ingestEvents } from "../../server/ingest/service";
import { createCaller } from "../../server/routers/_app";
import { createTRPCContext } from "../../server/trpc";
import { createTestOrg } from "../setup/helpers";

async function callerAs(session: AuthSession) {
  return createCaller(await createTRPCContext({ headers: new Headers({ "user-agent": "vitest" }), session }));
}

async function runningMany(orgId: string, prefix: string, n: number, workflow = "bulk.wf") {
  const events = [];
  for (let i = 0; i < n; i++) {
    const executionId = `${prefix}-${String(i).padStart(4, "0")}`;
    events.push({ eventId: `${executionId}-p`, executionId, workflow, status: "PENDING" }, { eventId: `${executionId}-r`, executionId, status: "RUNNING" });
  }
  for (let i = 0; i < events.length; i += 1000) {
    const results = await ingestEvents({ orgId }, { events: events.slice(i, i + 1000) });
    expect(results.every((r) => r.outcome === "applied")).toBe(true);
  }
}

async function statuses(orgId: string, like: string): Promise<Record<string, number>> {
  const { rows } = await pool().query<{ status: string; n: number }>(
    `SELECT status::text, count(*)::int AS n FROM executions WHERE "orgId" = $1 AND "executionId" LIKE $2 GROUP BY 1`,
    [orgId, like],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

async function audits(orgId: string) {
  const { rows } = await pool().query(`SELECT action, "resourceType", details, success, "actorUserId" FROM audit_logs WHERE "orgId" = $1 ORDER BY id`, [orgId]);
  return rows;
}

describe("bulk actions", () => {
  it("an OPERATOR marks 3 chosen executions cancelled: one job, one audit entry, the lifecycle applied", async () => {
    const org = await createTestOrg();
    await runningMany(org.orgId, "pick", 5);
    const operator = await createMemberSession(org.orgId, "OPERATOR");
    const trpc = await callerAs(operator);
    const job = await trpc.executions.bulkCancel({ orgSlug: org.slug, target: { kind: "ids", executionIds: ["pick-0000", "pick-0001", "pick-0002"] }, reason: "drained" });
    expect(job).toMatchObject({ action: "cancel", total: 3 });
    await settleBulkJobs();
    expect(await trpc.executions.bulkJob({ orgSlug: org.slug, jobId: job.jobId })).toMatchObject({ state: "done", total: 3, processed: 3, changed: 3, skipped: 0 });
    expect(await statuses(org.orgId, "pick-%")).toEqual({ CANCELLED: 3, RUNNING: 2 });
    const entries = await audits(org.orgId);
    expect(entries).toEqual([
      expect.objectContaining({ action: "execution.bulk_cancel", resourceType: "bulk_job", success: true, actorUserId: operator.user.id, details: expect.objectContaining({ count: 3, executionIds: 3, filter: null, reason: "drained" }) }),
    ]);
    // the workflow's counters moved once per execution
    const { rows: wf } = await pool().query(`SELECT "cancelledCount" FROM workflows WHERE "orgId" = $1 AND key = 'bulk.wf'`, [org.orgId]);
    expect(wf[0]).toEqual({ cancelledCount: 3 });
  });

  it("all 250 matching a filter, in keyset chunks: every one changed, finished ones and other workflows untouched", async () => {
    const org = await createTestOrg();
    await runningMany(org.orgId, "many", 250, "bulk.many");
    await runningMany(org.orgId, "other", 3, "bulk.other");
    // a finished execution of the same workflow stays as it is
    await ingestEvents({ orgId: org.orgId }, { events: [
      { eventId: "done-p", executionId: "done-1", workflow: "bulk.many", status: "PENDING" },
      { eventId: "done-c", executionId: "done-1", status: "COMPLETED" },
    ] });
    const query = "workflow=bulk.many";
    const filter = filterOfQuery(query, new Date());
    const job = await startBulkJob(systemContext(org.orgId, "test"), { action: "markFailed", target: { kind: "filter", query }, filter, reason: "bad deploy" }, { chunk: 40 });
    expect(job.total).toBe(250);
    await settleBulkJobs();
    expect(await getBulkJob(systemContext(org.orgId, "test"), { jobId: job.jobId })).toMatchObject({ state: "done", processed: 250, changed: 250, skipped: 0, filterQuery: query });
    expect(await statuses(org.orgId, "many-%")).toEqual({ FAILED: 250 });
    expect(await statuses(org.orgId, "other-%")).toEqual({ RUNNING: 3 });
    expect(await statuses(org.orgId, "done-%")).toEqual({ COMPLETED: 1 });
    const entries = await audits(org.orgId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: "execution.bulk_mark_failed", details: { count: 250, filter: query } });
    // the error of a run marked failed is the reason, as for one execution
    const { rows } = await pool().query(`SELECT error FROM executions WHERE "orgId" = $1 AND "executionId" = 'many-0007'`, [org.orgId]);
    expect(rows[0].error).toMatchObject({ message: "bad deploy" });
  });

  describe("a job whose process stopped resumes and finishes exactly once", () => {
    const crash = async (abandonAt: { chunk: number; applied?: boolean }) => {
      const org = await createTestOrg();
      await runningMany(org.orgId, "cr", 100, "bulk.crash");
      const query = "workflow=bulk.crash";
      const filter = filterOfQuery(query, new Date());
      const job = await startBulkJob(systemContext(org.orgId, "test"), { action: "cancel", target: { kind: "filter", query }, filter, reason: "drain" }, { chunk: 30, abandonAt });
      await settleBulkJobs();
      return { org, job };
    };
    const expectFinishedOnce = async (orgId: string, jobId: string) => {
      // the lease of the dead process is still live: nobody takes the job over yet
      expect(await resumeBulkJobs()).toEqual([]);
      await pool().query(`UPDATE bulk_jobs SET "leaseUntil" = now() - interval '1 second' WHERE "orgId" = $1 AND id = $2::bigint`, [orgId, jobId]);
      // two processes booting at once: one of them gets it
      const claims = await Promise.all([resumeBulkJobs(), resumeBulkJobs()]);
      expect(claims.flat()).toEqual([jobId]);
      await settleBulkJobs();
      expect(await getBulkJob(systemContext(orgId, "test"), { jobId: jobId })).toMatchObject({ state: "done", total: 100, processed: 100, changed: 100, skipped: 0 });
      expect(await statuses(orgId, "cr-%")).toEqual({ CANCELLED: 100 });
      // each execution got the job's CANCELLED once: its workflow counted 100, and one event each
      const { rows: wf } = await pool().query(`SELECT "cancelledCount" FROM workflows WHERE "orgId" = $1 AND key = 'bulk.crash'`, [orgId]);
      expect(wf[0]).toEqual({ cancelledCount: 100 });
      const { rows: ev } = await pool().query<{ n: number; executions: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT "executionId")::int AS executions FROM execution_events WHERE "orgId" = $1 AND "eventId" LIKE $2`,
        [orgId, `bulk-${jobId}-%`],
      );
      expect(ev[0]).toEqual({ n: 100, executions: 100 });
      expect((await audits(orgId)).map((a) => a.action)).toEqual(["execution.bulk_cancel"]);
      const { rows: left } = await pool().query(`SELECT pending, "leaseUntil" FROM bulk_jobs WHERE "orgId" = $1 AND id = $2::bigint`, [orgId, jobId]);
      expect(left[0]).toEqual({ pending: null, leaseUntil: null });
    };

    it("stopped between chunks: continues from its keyset cursor", async () => {
      const { org, job } = await crash({ chunk: 2 });
      expect(await getBulkJob(systemContext(org.orgId, "test"), { jobId: job.jobId })).toMatchObject({ state: "running", processed: 60, changed: 60 });
      expect(await statuses(org.orgId, "cr-%")).toEqual({ CANCELLED: 60, RUNNING: 40 });
      await expectFinishedOnce(org.orgId, job.jobId);
    });

    it("stopped after a chunk was applied but before its progress was written: the chunk is replayed, not re-applied", async () => {
      const { org, job } = await crash({ chunk: 1, applied: true });
      expect(await getBulkJob(systemContext(org.orgId, "test"), { jobId: job.jobId })).toMatchObject({ state: "running", processed: 30, changed: 30 });
      expect(await statuses(org.orgId, "cr-%")).toEqual({ CANCELLED: 60, RUNNING: 40 });
      await expectFinishedOnce(org.orgId, job.jobId);
    });
  });

  it("another organization's execution ids change nothing", async () => {
    const mine = await createTestOrg();
    const theirs = await createTestOrg();
    await runningMany(theirs.orgId, "theirs", 3);
    await runningMany(mine.orgId, "mine", 1);
    const operator = await createMemberSession(mine.orgId, "OPERATOR");
    const trpc = await callerAs(operator);
    const job = await trpc.executions.bulkCancel({ orgSlug: mine.slug, target: { kind: "ids", executionIds: ["theirs-0000", "theirs-0001", "theirs-0002"] }, reason: "cross-org" });
    expect(job).toMatchObject({ total: 0, state: "done" });
    await settleBulkJobs();
    expect(await statuses(theirs.orgId, "theirs-%")).toEqual({ RUNNING: 3 });
    expect(await statuses(mine.orgId, "mine-%")).toEqual({ RUNNING: 1 });
    // nor can the job be read from the other organization
    const other = await createMemberSession(theirs.orgId, "OPERATOR");
    await expect((await callerAs(other)).executions.bulkJob({ orgSlug: theirs.slug, jobId: job.jobId })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("acknowledges, then resolves, the open alerts of the matching executions with one audit entry each time", async () => {
    const org = await createTestOrg();
    await runningMany(org.orgId, "al", 4, "bulk.alerts");
    await pool().query(
      `INSERT INTO alerts ("orgId", reason, "workflowId", "executionId", since, "executionStatus")
       SELECT e."orgId", 'running', e."workflowId", e."executionId", now() - interval '1 hour', e.status FROM executions e WHERE e."orgId" = $1 AND e."executionId" IN ('al-0000', 'al-0001')`,
      [org.orgId],
    );
    const operator = await createMemberSession(org.orgId, "OPERATOR");
    const trpc = await callerAs(operator);
    const ack = await trpc.alerts.bulkAcknowledge({ orgSlug: org.slug, target: { kind: "filter", query: "workflow=bulk.alerts" }, reason: "looking" });
    await settleBulkJobs();
    expect(await trpc.executions.bulkJob({ orgSlug: org.slug, jobId: ack.jobId })).toMatchObject({ state: "done", total: 4, changed: 2, skipped: 2 });
    const state = async () => (await pool().query(`SELECT state::text FROM alerts WHERE "orgId" = $1 ORDER BY "executionId"`, [org.orgId])).rows.map((r) => r.state);
    expect(await state()).toEqual(["ACKNOWLEDGED", "ACKNOWLEDGED"]);
    await trpc.alerts.bulkResolve({ orgSlug: org.slug, target: { kind: "ids", executionIds: ["al-0000"] }, reason: "fixed" });
    await settleBulkJobs();
    expect(await state()).toEqual(["RESOLVED", "ACKNOWLEDGED"]);
    expect((await audits(org.orgId)).map((a) => a.action)).toEqual(["alert.bulk_acknowledge", "alert.bulk_resolve"]);
    // the alert's own timeline keeps who acknowledged it, with the reason as the note
    const { rows } = await pool().query(`SELECT kind::text, note FROM alert_events WHERE "orgId" = $1 AND kind = 'acknowledged'`, [org.orgId]);
    expect(rows).toHaveLength(2);
    expect(rows[0].note).toBe("looking");
  });

  it("acknowledges chosen alerts of the alert center; another organization's alert ids are not counted", async () => {
    const org = await createTestOrg();
    const other = await createTestOrg();
    await runningMany(org.orgId, "ac", 2, "bulk.center");
    await runningMany(other.orgId, "ot", 1, "bulk.center");
    const insert = async (orgId: string, executionId: string) =>
      (
        await pool().query<{ id: string }>(
          `INSERT INTO alerts ("orgId", reason, "workflowId", "executionId", since, "executionStatus")
           SELECT e."orgId", 'running', e."workflowId", e."executionId", now(), e.status FROM executions e WHERE e."orgId" = $1 AND e."executionId" = $2 RETURNING id::text`,
          [orgId, executionId],
        )
      ).rows[0]!.id;
    const a1 = await insert(org.orgId, "ac-0000");
    const a2 = await insert(org.orgId, "ac-0001");
    const foreign = await insert(other.orgId, "ot-0000");
    const trpc = await callerAs(await createMemberSession(org.orgId, "OPERATOR"));
    const job = await trpc.alerts.bulkAcknowledge({ orgSlug: org.slug, target: { kind: "alerts", alertIds: [a1, a2, foreign] }, reason: "on it" });
    expect(job.total).toBe(2);
    await settleBulkJobs();
    expect(await trpc.executions.bulkJob({ orgSlug: org.slug, jobId: job.jobId })).toMatchObject({ state: "done", changed: 2 });
    const { rows } = await pool().query(`SELECT state::text FROM alerts WHERE id = $1::bigint`, [foreign]);
    expect(rows[0].state).toBe("FIRING");
    await expect(trpc.executions.bulkCancel({ orgSlug: org.slug, target: { kind: "alerts", alertIds: [a1] }, reason: "x" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("refuses a filter that would match more than the cap, and an empty reason", async () => {
    const org = await createTestOrg();
    const operator = await createMemberSession(org.orgId, "OPERATOR");
    const trpc = await callerAs(operator);
    await expect(trpc.executions.bulkCancel({ orgSlug: org.slug, target: { kind: "ids", executionIds: ["x"] }, reason: "  " })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(trpc.executions.bulkCancel({ orgSlug: org.slug, target: { kind: "filter", query: "status=NOPE" }, reason: "r" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
