// The dashboard, saved views and workflows procedures through createCaller, against PostgreSQL:
// snapshot paging with the page-one-of-a-snapshot position the page keeps in its URL, the
// "N new" count, live row refresh, strict filter validation, detail, saved views and audited
// threshold changes. Access rules for every procedure are in trpc-access.itest.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { createMemberSession } from "../../server/auth/testing";
import type { AuthSession } from "../../server/auth/session";
import { pool } from "../../server/db/client";
import { ingestEvents } from "../../server/ingest/service";
import { createCaller } from "../../server/routers/_app";
import { createTRPCContext } from "../../server/trpc";
import { createTestOrg } from "../setup/helpers";

type Org = { orgId: string; slug: string };

async function caller(session: AuthSession) {
  return createCaller(await createTRPCContext({ headers: new Headers({ "user-agent": "dashboard-router-test" }), session }));
}

let seq = 0;
async function addExecutions(org: Org, n: number, opts: { workflow?: string; status?: string; prefix?: string; startMs?: number } = {}): Promise<string[]> {
  const prefix = opts.prefix ?? `x${seq++}`;
  const start = opts.startMs ?? Date.now() - 3_600_000;
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, "0")}`);
  const events = ids.map((executionId, i) => ({
    eventId: `${executionId}-e1`,
    executionId,
    workflow: opts.workflow ?? "router.test",
    status: opts.status ?? "RUNNING",
    occurredAt: new Date(start + i * 1000).toISOString(),
    metadata: { env: i % 2 ? "prod" : "dev" },
  }));
  const results = await ingestEvents({ orgId: org.orgId }, { events });
  expect(results.filter((r) => r.outcome !== "applied")).toEqual([]);
  return ids;
}

describe("dashboard.list paging over a snapshot", () => {
  let org: Org;
  let viewer: AuthSession;
  beforeAll(async () => {
    org = await createTestOrg();
    viewer = await createMemberSession(org.orgId, "VIEWER");
    await addExecutions(org, 23, { prefix: "page" });
  });

  it("pages forward and back without repeating or losing a row while executions arrive", async () => {
    const c = await caller(viewer);
    const first = await c.dashboard.list({ orgSlug: org.slug, query: "", limit: 5 });
    expect(first.snapshotId).not.toBeNull();
    const stack: string[] = [];
    const seen: string[] = first.items.map((r) => r.executionId);
    let page = first;
    while (page.nextCursor) {
      // arrivals while paging, with createdAt both newer and older than the rows on screen
      await addExecutions(org, 2, { prefix: `late${seq++}`, startMs: Date.now() - 30 * 60_000 });
      stack.push(page.nextCursor);
      page = await c.dashboard.list({ orgSlug: org.slug, query: "", limit: 5, cursor: page.nextCursor });
      seen.push(...page.items.map((r) => r.executionId));
    }
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
    expect(seen.every((id) => id.startsWith("page-"))).toBe(true);

    // back to page one of the same snapshot (what a reload or a shared link of page one asks for)
    const again = await c.dashboard.list({ orgSlug: org.slug, query: "", limit: 5, snapshotId: first.snapshotId! });
    expect(again.items.map((r) => r.executionId)).toEqual(first.items.map((r) => r.executionId));
    expect(again.nextCursor).toBe(first.nextCursor);
    // and a page in the middle, by its cursor
    const third = await c.dashboard.list({ orgSlug: org.slug, query: "", limit: 5, cursor: stack[1] });
    expect(third.items.map((r) => r.executionId)).toEqual(seen.slice(10, 15));

    const fresh = await c.dashboard.countNew({ orgSlug: org.slug, query: "", snapshotId: first.snapshotId! });
    expect(fresh).toMatchObject({ count: 2 * stack.length, capped: false });
    const total = await c.dashboard.count({ orgSlug: org.slug, query: "" });
    expect(total.count).toBe(23 + 2 * stack.length);
  });

  it("refreshes the visible rows' status", async () => {
    const c = await caller(viewer);
    const [id] = await addExecutions(org, 1, { prefix: `live${seq++}` });
    await ingestEvents({ orgId: org.orgId }, { events: [{ eventId: `${id}-done`, executionId: id!, status: "COMPLETED" }] });
    const { items } = await c.dashboard.refreshRows({ orgSlug: org.slug, executionIds: [id!, "unknown-here"] });
    expect(items.map((r) => [r.executionId, r.status])).toEqual([[id, "COMPLETED"]]);
  });

  it("refuses invalid filters with BAD_REQUEST naming what to send", async () => {
    const c = await caller(viewer);
    await expect(c.dashboard.list({ orgSlug: org.slug, query: "status=BOGUS" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("accepted") });
    await expect(c.dashboard.counters({ orgSlug: org.slug, query: "range=24h&from=2026-01-01T00:00:00Z" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(c.dashboard.list({ orgSlug: org.slug, query: "", cursor: "not-a-cursor" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("filters by metadata and status, counters agree with the list", async () => {
    const c = await caller(viewer);
    const query = "status=RUNNING&meta=env%3Dprod";
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await c.dashboard.list({ orgSlug: org.slug, query, limit: 200, cursor });
      all.push(...page.items.map((r) => r.executionId));
      expect(page.items.every((r) => r.status === "RUNNING")).toBe(true);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const counters = await c.dashboard.counters({ orgSlug: org.slug, query });
    expect(counters.total.count).toBe(all.length);
    expect(counters.running.count).toBe(all.length);
    expect(counters.completed.count).toBe(0);
  });
});

describe("dashboard.detail and charts", () => {
  it("shows a stale event with its reason, and NOT_FOUND for an unknown id", async () => {
    const org = await createTestOrg();
    const c = await caller(await createMemberSession(org.orgId, "VIEWER"));
    const t = Date.now() - 60_000;
    await ingestEvents({ orgId: org.orgId }, { events: [
      { eventId: "d-1", executionId: "d", workflow: "detail.test", status: "RUNNING", occurredAt: new Date(t).toISOString() },
      { eventId: "d-0", executionId: "d", status: "SCHEDULED", occurredAt: new Date(t - 1000).toISOString() },
    ] });
    const d = await c.dashboard.detail({ orgSlug: org.slug, executionId: "d" });
    const stale = d.events.find((e) => e.type === "status" && e.eventId === "d-0");
    expect(stale).toMatchObject({ outcome: "stale", reason: expect.stringMatching(/\S/) });
    await expect(c.dashboard.detail({ orgSlug: org.slug, executionId: "nope" })).rejects.toMatchObject({ code: "NOT_FOUND" });

    const charts = await c.dashboard.charts({ orgSlug: org.slug, query: "" });
    expect(charts.to.getTime() - charts.from.getTime()).toBeGreaterThanOrEqual(7 * 86_400_000 - 1);
    expect(charts.points.length).toBeLessThanOrEqual(2000);
    expect(charts.active.RUNNING).toBe(1);
  });
});

describe("views", () => {
  it("saves the filters without the page position, refuses duplicates and unknown keys", async () => {
    const org = await createTestOrg();
    const c = await caller(await createMemberSession(org.orgId, "OPERATOR"));
    const v = await c.views.create({ orgSlug: org.slug, name: "Failed prod", query: "?status=FAILED&meta=env%3Dprod&snap=42&pages=abcdefghij" });
    expect(v.query).toBe("status=FAILED&meta=env%3Dprod");
    await expect(c.views.create({ orgSlug: org.slug, name: "Failed prod", query: "status=FAILED" })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(c.views.create({ orgSlug: org.slug, name: "Other", query: "colour=red" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await c.views.list({ orgSlug: org.slug })).items.map((x) => x.name)).toEqual(["Failed prod"]);
    expect(await c.views.get({ orgSlug: org.slug, id: v.id })).toMatchObject({ name: "Failed prod" });
    await c.views.delete({ orgSlug: org.slug, id: v.id });
    await expect(c.views.get({ orgSlug: org.slug, id: v.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(c.views.delete({ orgSlug: org.slug, id: v.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("workflows", () => {
  it("updates thresholds (ADMIN), audits before/after, and null goes back to the default", async () => {
    const org = await createTestOrg();
    await addExecutions(org, 3, { workflow: "wf.thresholds" });
    const admin = await createMemberSession(org.orgId, "ADMIN");
    const c = await caller(admin);
    const list = await c.workflows.list({ orgSlug: org.slug });
    expect(list.items.map((w) => [w.key, w.executions])).toEqual([["wf.thresholds", 3]]);

    const updated = await c.workflows.updateThresholds({ orgSlug: org.slug, key: "wf.thresholds", patch: { stuckScheduledAfterSeconds: 120 } });
    expect(updated).toMatchObject({ stuckScheduledAfterSeconds: 120, thresholdsOverridden: true });
    const { rows } = await pool().query(`SELECT "actorUserId", action, before, after, success FROM audit_logs WHERE "orgId" = $1 AND "resourceType" = 'workflow'`, [org.orgId]);
    expect(rows).toEqual([
      expect.objectContaining({
        actorUserId: admin.user.id,
        action: "workflow.update",
        success: true,
        before: expect.objectContaining({ stuckScheduledAfterSeconds: 300 }),
        after: expect.objectContaining({ stuckScheduledAfterSeconds: 120 }),
      }),
    ]);
    const reset = await c.workflows.updateThresholds({ orgSlug: org.slug, key: "wf.thresholds", patch: { stuckScheduledAfterSeconds: null } });
    expect(reset).toMatchObject({ stuckScheduledAfterSeconds: 300, thresholdsOverridden: false });
    await expect(c.workflows.updateThresholds({ orgSlug: org.slug, key: "wf.thresholds", patch: { stuckScheduledAfterSeconds: 0 } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(c.workflows.get({ orgSlug: org.slug, key: "unknown" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const charts = await c.workflows.charts({ orgSlug: org.slug, key: "wf.thresholds", range: "24h" });
    expect(charts.active.RUNNING).toBe(3);
  });
});
