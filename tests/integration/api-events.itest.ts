// The HTTP API of CONTRACT.md §3 against real PostgreSQL: the seed scenarios, bad input,
// authentication and isolation between organizations.
import { beforeAll, describe, expect, it } from "vitest";
import { systemContext } from "../../server/context";
import { pool } from "../../server/db/client";
import { revokeOrgApiKey } from "../../server/settings/apiKeys";
import { saveEnv } from "../setup/saved-env";
import { createTestApiKey, createTestOrg } from "../setup/helpers";
import { api, countersAndRecount, executionRow, expectCountersMatchRecount, tableCounts } from "./api-helpers";

const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();
let seq = 0;
const id = (p: string) => `${p}-${Date.now().toString(36)}-${seq++}`;

async function newTenant() {
  const org = await createTestOrg();
  const key = await createTestApiKey(org.orgId);
  return { ...org, key: key.key, apiKeyId: key.id };
}

describe("POST /api/v1/events", () => {
  let t: Awaited<ReturnType<typeof newTenant>>;
  beforeAll(async () => {
    t = await newTenant();
  });

  it("applies a single event and a batch, answering each in input order", async () => {
    const x = id("exec");
    const one = await api.postEvents(t.key, { eventId: id("ev"), executionId: x, workflow: "wf.single", status: "queued" });
    expect(one.status).toBe(200);
    expect(one.body.results).toEqual([{ eventId: expect.any(String), outcome: "applied", status: "PENDING" }]);

    const ids = [id("ev"), id("ev"), id("ev")];
    const batch = await api.postEvents(t.key, {
      events: [
        { eventId: ids[0], executionId: x, status: "scheduled" },
        { eventId: ids[1], executionId: x, status: "nonsense" },
        { eventId: ids[2], executionId: x, status: "started" },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(["applied", "invalid", "applied"]);
    expect(batch.body.results[1].reason).toMatch(/accepted values: .*PENDING.*succeeded/);
    expect(batch.body.results[2].status).toBe("RUNNING");
  });

  it("seed 004: a late RUNNING after FAILED changes nothing; PUT answers 409; FAILED again moves no counter", async () => {
    const x = id("exec");
    const wf = id("wf");
    await api.postEvents(t.key, {
      events: [
        { eventId: id("ev"), executionId: x, workflow: wf, status: "RUNNING", occurredAt: ago(60) },
        { eventId: id("ev"), executionId: x, status: "FAILED", occurredAt: ago(30), error: { message: "boom", code: "E1" } },
      ],
    });
    const before = await executionRow(t.orgId, x);

    const late = await api.postEvents(t.key, { eventId: id("ev"), executionId: x, status: "RUNNING", occurredAt: ago(45) });
    expect(late.status).toBe(200);
    expect(["stale", "rejected"]).toContain(late.body.results[0].outcome);
    expect(late.body.results[0].status).toBe("FAILED");

    const put = await api.putStatus(t.key, x, { status: "RUNNING" });
    expect(put.status).toBe(409);
    expect(put.body).toMatchObject({ error: expect.stringContaining("FAILED"), currentStatus: "FAILED" });

    const again = await api.putStatus(t.key, x, { status: "failed" });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ executionId: x, status: "FAILED", outcome: "duplicate" });

    const after = await executionRow(t.orgId, x);
    expect(after.status).toBe("FAILED");
    expect(after.completedAt).toEqual(before.completedAt);
    expect(after.error).toEqual({ message: "boom", code: "E1" });
    const wfView = await api.getWorkflow(t.key, wf);
    expect(wfView.body).toMatchObject({ executionCount: 1, failureCount: 1, successCount: 0 });

    // the timeline keeps every report, with why each changed nothing
    const { rows } = await pool().query(`SELECT outcome, reason FROM execution_events WHERE "orgId" = $1 AND "executionId" = $2 ORDER BY id`, [t.orgId, x]);
    expect(rows.map((r) => r.outcome)).toEqual(["APPLIED", "APPLIED", "REJECTED", "REJECTED", "DUPLICATE"]);
    expect(rows[2].reason).toMatch(/already FAILED/);
  });

  it("seed 003: COMPLETED then COMPLETED is a duplicate with no second write", async () => {
    const x = id("exec");
    const wf = id("wf");
    await api.postEvents(t.key, { eventId: id("ev"), executionId: x, workflow: wf, status: "COMPLETED", output: { rows: 3 } });
    const first = await executionRow(t.orgId, x);
    const dup = await api.postEvents(t.key, { eventId: id("ev"), executionId: x, status: "success", output: { rows: 99 } });
    expect(dup.body.results[0]).toMatchObject({ outcome: "duplicate", status: "COMPLETED" });
    const second = await executionRow(t.orgId, x);
    expect(second.updatedAt).toEqual(first.updatedAt);
    expect(second.output).toEqual({ rows: 3 });
    expect((await api.getWorkflow(t.key, wf)).body).toMatchObject({ executionCount: 1, successCount: 1 });
  });

  it("the same eventId is applied at most once, even in one batch", async () => {
    const x = id("exec");
    const e = id("ev");
    const res = await api.postEvents(t.key, {
      events: [
        { eventId: e, executionId: x, workflow: "wf.dedup", status: "PENDING" },
        { eventId: e, executionId: x, status: "RUNNING" },
      ],
    });
    expect(res.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(["applied", "duplicate"]);
    const later = await api.postEvents(t.key, { eventId: e, executionId: x, status: "COMPLETED" });
    expect(later.body.results[0]).toMatchObject({ outcome: "duplicate", status: "PENDING" });
  });

  it("seed 000: a ContinueAsNew chain of three runs links each run and names the current one", async () => {
    const [a, b, c] = [id("can"), id("can"), id("can")];
    const wf = id("wf");
    const res = await api.postEvents(t.key, {
      events: [
        { eventId: id("ev"), executionId: a, workflow: wf, status: "RUNNING", occurredAt: ago(300) },
        { eventId: id("ev"), executionId: a, status: "continuedasnew", continuedAsNewTo: b, occurredAt: ago(200) },
        { eventId: id("ev"), executionId: b, status: "RUNNING", occurredAt: ago(190) },
        { eventId: id("ev"), executionId: b, status: "CONTINUED_AS_NEW", continuedAsNewTo: c, occurredAt: ago(100) },
      ],
    });
    expect(res.body.results.every((r: { outcome: string }) => r.outcome === "applied")).toBe(true);
    await api.postEvents(t.key, { eventId: id("ev"), executionId: c, status: "RUNNING", occurredAt: ago(90) });

    const [ea, eb, ec] = await Promise.all([a, b, c].map((x) => api.getExecution(t.key, x)));
    expect(ea!.body).toMatchObject({ status: "CONTINUED_AS_NEW", continuedFrom: null, continuedAsNewTo: b, currentExecutionId: c });
    expect(eb!.body).toMatchObject({ status: "CONTINUED_AS_NEW", continuedFrom: a, continuedAsNewTo: c, currentExecutionId: c });
    expect(ec!.body).toMatchObject({ status: "RUNNING", continuedFrom: b, continuedAsNewTo: null, currentExecutionId: c, workflow: wf });
    // each run is one execution, counted once; CONTINUED_AS_NEW is neither success nor failure
    expect((await api.getWorkflow(t.key, wf)).body).toMatchObject({ executionCount: 3, successCount: 0, failureCount: 0 });
  });

  it("seed 001: an execution created RUNNING and never updated is stuck once past its threshold", async () => {
    const wf = id("wf");
    const x = id("exec");
    await api.postEvents(t.key, { eventId: id("ev"), executionId: x, workflow: wf, status: "RUNNING", occurredAt: ago(90) });
    expect((await api.getExecution(t.key, x)).body).toMatchObject({ stuck: false, stuckReason: null });
    const patched = await api.patchWorkflow(t.key, wf, { stuckRunningAfterSeconds: 60 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ stuckRunningAfterSeconds: 60 });
    const view = await api.getExecution(t.key, x);
    expect(view.body).toMatchObject({ status: "RUNNING", stuck: true, stuckReason: "running" });

    // a heartbeat is a sign of life
    await api.postEvents(t.key, { eventId: id("ev"), executionId: x, type: "heartbeat" });
    expect((await api.getExecution(t.key, x)).body).toMatchObject({ stuck: false });

    const stuckList = await api.list(t.key, `workflow=${wf}&stuck=true`);
    expect(stuckList.body.items).toEqual([]);
  });

  it("a SCHEDULED execution past its threshold is stuck in Scheduled and listed by stuck=true", async () => {
    const wf = id("wf");
    const x = id("exec");
    const y = id("exec");
    await api.patchWorkflow(t.key, wf, {}).catch(() => {});
    await api.postEvents(t.key, {
      events: [
        { eventId: id("ev"), executionId: x, workflow: wf, status: "SCHEDULED", occurredAt: ago(400) },
        { eventId: id("ev"), executionId: y, workflow: wf, status: "SCHEDULED", occurredAt: ago(10) },
      ],
    });
    const list = await api.list(t.key, `workflow=${wf}&stuck=true`);
    expect(list.body.items.map((i: { executionId: string }) => i.executionId)).toEqual([x]);
    expect(list.body.items[0]).toMatchObject({ stuck: true, stuckReason: "scheduled" });
  });

  it("keeps counters equal to a recount", async () => {
    expectCountersMatchRecount(await countersAndRecount(t.orgId));
  });
});

describe("bad input gets a clear 4xx and changes nothing", () => {
  let t: Awaited<ReturnType<typeof newTenant>>;
  beforeAll(async () => {
    t = await newTenant();
  });

  it.each([
    ["malformed JSON", '{"eventId": "a", ', 400, /not valid JSON/],
    ["an array body", "[]", 400, /one event object/],
    ["a string body", '"hello"', 400, /one event object/],
    ["events not an array", '{"events": {"eventId": "x"}}', 400, /must be an array/],
    ["an empty batch", '{"events": []}', 400, /1 to 1000/],
    ["an empty body", "", 400, /empty/],
  ])("%s → %i", async (_name, raw, status, message) => {
    const before = await tableCounts(t.orgId);
    const res = await api.postEvents(t.key, undefined, raw);
    expect(res.status).toBe(status);
    expect(res.body.error).toMatch(message);
    expect(await tableCounts(t.orgId)).toEqual(before);
  });

  it("a batch over 1000 events is refused whole", async () => {
    const events = Array.from({ length: 1001 }, (_, i) => ({ eventId: `big-${i}`, executionId: "x", workflow: "w", status: "PENDING" }));
    const res = await api.postEvents(t.key, { events });
    expect(res.status).toBe(400);
    expect(await tableCounts(t.orgId)).toEqual({ executions: 0, events: 0, processed: 0, workflows: 0 });
  });

  it("a body over 1 MiB gets 413", async () => {
    const res = await api.postEvents(t.key, { eventId: "a", executionId: "b", workflow: "w", status: "PENDING", input: "x".repeat(1024 * 1024) });
    expect(res.status).toBe(413);
    expect(await tableCounts(t.orgId)).toMatchObject({ executions: 0 });
  });

  it.each([
    ["wrong types", { eventId: 5, executionId: "x", workflow: "w", status: "PENDING" }, /eventId/],
    ["an unknown status", { eventId: "e", executionId: "x", workflow: "w", status: "exploded" }, /accepted values: PENDING/],
    ["a missing status", { eventId: "e", executionId: "x", workflow: "w" }, /status is required/],
    ["a bad attempt", { eventId: "e", executionId: "x", workflow: "w", status: "PENDING", attempt: 0 }, /attempt/],
    ["a bad occurredAt", { eventId: "e", executionId: "x", workflow: "w", status: "PENDING", occurredAt: "yesterday" }, /occurredAt/],
    ["an oversize output", { eventId: "e", executionId: "x", workflow: "w", status: "COMPLETED", output: { blob: "y".repeat(70_000) } }, /64 KiB/],
    ["an oversize eventId", { eventId: "e".repeat(129), executionId: "x", workflow: "w", status: "PENDING" }, /eventId/],
    ["too much metadata", { eventId: "e", executionId: "x", workflow: "w", status: "PENDING", metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"])) }, /20 pairs/],
    ["a NUL character", { eventId: "e", executionId: "x", workflow: "w", status: "FAILED", error: "bad\u0000byte" }, /./],
  ])("a single event with %s → 400 naming the problem, nothing stored", async (_name, event, message) => {
    const before = await tableCounts(t.orgId);
    const res = await api.postEvents(t.key, event);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
    expect(res.body.results[0].outcome).toBe("invalid");
    expect(await tableCounts(t.orgId)).toEqual(before);
  });

  it("a first event without workflow is deferred (rule 9), not refused", async () => {
    const res = await api.postEvents(t.key, { eventId: "defer-me", executionId: "x-new", status: "PENDING" });
    expect(res.status).toBe(200);
    expect(res.body.results[0]).toMatchObject({ eventId: "defer-me", outcome: "deferred", status: null, reason: expect.stringMatching(/workflow/) });
    expect(await executionRow(t.orgId, "x-new")).toBeUndefined();
  });

  it("an invalid event's eventId stays free, so the corrected event can be resent", async () => {
    const res = await api.postEvents(t.key, { eventId: "retry-me", executionId: "fresh", workflow: "w.fixed", status: "PENDING-ish" });
    expect(res.status).toBe(400);
    const fixed = await api.postEvents(t.key, { eventId: "retry-me", executionId: "fresh", workflow: "w.fixed", status: "PENDING" });
    expect(fixed.body.results[0]).toMatchObject({ outcome: "applied", status: "PENDING" });
  });

  it("a NUL character inside a batch spoils only its own event", async () => {
    const res = await api.postEvents(t.key, {
      events: [
        { eventId: "nul-1", executionId: "nul-a", workflow: "w.nul", status: "PENDING" },
        { eventId: "nul-2", executionId: "nul-b", workflow: "w.nul", status: "FAILED", output: { text: "a\u0000b" } },
        { eventId: "nul-3", executionId: "nul-c", workflow: "w.nul", status: "PENDING" },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(["applied", "invalid", "applied"]);
    expect(await executionRow(t.orgId, "nul-b")).toBeUndefined();
  });

  it("PUT status: unknown execution 404, bad body 400, unknown status 400 naming the accepted values", async () => {
    expect((await api.putStatus(t.key, "nope", { status: "COMPLETED" })).status).toBe(404);
    await api.postEvents(t.key, { eventId: "put-x", executionId: "put-x", workflow: "w", status: "RUNNING" });
    const bad = await api.putStatus(t.key, "put-x", { status: "ok-ish" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/accepted values/);
    expect((await api.putStatus(t.key, "put-x", { status: "COMPLETED", colour: "red" })).status).toBe(400);
    expect((await api.putStatus(t.key, "put-x", {})).status).toBe(400);
    expect((await executionRow(t.orgId, "put-x")).status).toBe("RUNNING");
  });

  it("PATCH workflow validates and audits", async () => {
    await api.postEvents(t.key, { eventId: "wf-p", executionId: "wf-p", workflow: "w.patch", status: "RUNNING" });
    for (const body of [{ stuckRunningAfterSeconds: -1 }, { stuckRunningAfterSeconds: "10" }, { colour: "red" }, {}, { name: "" }]) {
      const res = await api.patchWorkflow(t.key, "w.patch", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await api.patchWorkflow(t.key, "unknown.wf", { name: "x" })).status).toBe(404);
    const ok = await api.patchWorkflow(t.key, "w.patch", { name: "Patched", stuckScheduledAfterSeconds: 30 });
    expect(ok.body).toMatchObject({ key: "w.patch", name: "Patched", stuckScheduledAfterSeconds: 30, stuckRunningAfterSeconds: 1800 });
    // the workflow's entries only: the tenant's API key was created (and audited) before
    const { rows } = await pool().query(`SELECT action, "actorType", "actorApiKeyId", success, before, after FROM audit_logs WHERE "orgId" = $1 AND "resourceType" = 'workflow'`, [t.orgId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: "workflow.update", actorType: "API_KEY", actorApiKeyId: t.apiKeyId, success: true });
    expect(rows[0].before.name).toBe("w.patch");
    expect(rows[0].after.name).toBe("Patched");
  });

  it("list: bad filters are 400 naming what to send", async () => {
    expect((await api.list(t.key, "status=bogus")).body.error).toMatch(/accepted values/);
    expect((await api.list(t.key, "limit=0")).status).toBe(400);
    expect((await api.list(t.key, "limit=abc")).status).toBe(400);
    expect((await api.list(t.key, "cursor=garbage")).status).toBe(400);
    expect((await api.list(t.key, "stuck=maybe")).status).toBe(400);
    expect((await api.list(t.key, "sort=asc")).status).toBe(400);
  });
});

describe("authentication and rate limit", () => {
  it("a missing, malformed, unknown or revoked key gets 401 at once", async () => {
    const t = await newTenant();
    const event = { eventId: "a1", executionId: "x1", workflow: "w", status: "PENDING" };
    expect((await api.postEvents(null, event)).status).toBe(401);
    expect((await api.postEvents("not-a-key", event)).status).toBe(401);
    expect((await api.postEvents(`rw_${"A".repeat(40)}`, event)).status).toBe(401);
    expect((await api.postEvents(t.key, event)).status).toBe(200);
    await revokeOrgApiKey(systemContext(t.orgId, "test"), { id: t.apiKeyId });
    const after = await api.postEvents(t.key, { ...event, eventId: "a2" });
    expect(after.status).toBe(401);
    expect(after.body.error).toMatch(/revoked/);
    expect((await api.getExecution(t.key, "x1")).status).toBe(401);
  });

  it("stores only a hash of each key", async () => {
    const t = await newTenant();
    const { rows } = await pool().query(`SELECT * FROM api_keys WHERE "orgId" = $1`, [t.orgId]);
    expect(JSON.stringify(rows)).not.toContain(t.key);
    expect(rows[0].keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(t.key).toMatch(/^rw_[A-Za-z0-9_-]{32,}$/);
  });

  it("answers 429 with Retry-After past the per-key limit", async () => {
    const t = await newTenant();
    // the limiter the route uses is the one the configuration describes
    const restoreEnv = saveEnv(["RUNWATCH_RATE_LIMIT_PER_SECOND", "RUNWATCH_RATE_LIMIT_BURST"]);
    process.env.RUNWATCH_RATE_LIMIT_PER_SECOND = "1";
    process.env.RUNWATCH_RATE_LIMIT_BURST = "3";
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await api.list(t.key)).status);
      expect(codes).toEqual([200, 200, 200, 429, 429]);
      const limited = await api.list(t.key);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    } finally {
      restoreEnv();
    }
  });
});

describe("isolation between organizations", () => {
  it("another organization's execution and workflow are 404, never its data", async () => {
    const a = await newTenant();
    const b = await newTenant();
    await api.postEvents(b.key, { eventId: "iso-1", executionId: "secret-exec", workflow: "secret.wf", status: "RUNNING", input: { card: "4242" } });
    const beforeB = await executionRow(b.orgId, "secret-exec");

    const get = await api.getExecution(a.key, "secret-exec");
    expect(get.status).toBe(404);
    expect(JSON.stringify(get.body)).not.toContain("4242");
    expect((await api.putStatus(a.key, "secret-exec", { status: "CANCELLED" })).status).toBe(404);
    expect((await api.getWorkflow(a.key, "secret.wf")).status).toBe(404);
    expect((await api.patchWorkflow(a.key, "secret.wf", { name: "pwned" })).status).toBe(404);
    expect((await api.list(a.key)).body.items).toEqual([]);
    expect((await api.list(a.key, "workflow=secret.wf")).body.items).toEqual([]);

    // the same engine ids in A make A's own execution, leaving B's untouched
    const mine = await api.postEvents(a.key, { eventId: "iso-1", executionId: "secret-exec", workflow: "secret.wf", status: "COMPLETED" });
    expect(mine.body.results[0]).toMatchObject({ outcome: "applied", status: "COMPLETED" });
    expect(await executionRow(b.orgId, "secret-exec")).toEqual(beforeB);
    expect((await api.getWorkflow(b.key, "secret.wf")).body).toMatchObject({ name: "secret.wf", executionCount: 1, successCount: 0 });
  });
});

describe("GET /api/v1/executions pages", () => {
  it("pages newest first without repeating or skipping while new executions arrive", async () => {
    const t = await newTenant();
    const events = Array.from({ length: 25 }, (_, i) => ({
      eventId: `pg-${i}`,
      executionId: `pg-${String(i).padStart(2, "0")}`,
      workflow: i % 2 ? "wf.odd" : "wf.even",
      status: i % 3 === 0 ? "COMPLETED" : "RUNNING",
      occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i % 5)).toISOString(), // ties on createdAt too
    }));
    await api.postEvents(t.key, { events });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Awaited<ReturnType<typeof api.list>> = await api.list(t.key, `limit=7${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((i: { executionId: string }) => i.executionId));
      cursor = res.body.nextCursor;
      // a newer execution arriving mid-walk must not shift the pages
      if (pages === 0) await api.postEvents(t.key, { eventId: "pg-new", executionId: "pg-new", workflow: "wf.odd", status: "PENDING", occurredAt: new Date(Date.UTC(2026, 0, 2)).toISOString() });
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(25);
    expect(seen).not.toContain("pg-new");

    const completed = await api.list(t.key, "status=completed&limit=100");
    expect(completed.body.items).toHaveLength(9);
    expect(completed.body.items.every((i: { status: string }) => i.status === "COMPLETED")).toBe(true);
    const odd = await api.list(t.key, "workflow=wf.odd&status=RUNNING,COMPLETED&limit=100");
    expect(odd.body.items).toHaveLength(12);
    expect(odd.body.items[0]).not.toHaveProperty("input");

    // the optional filters beyond the contract's: time range, id prefix, metadata
    const early = await api.list(t.key, `to=${encodeURIComponent(new Date(Date.UTC(2026, 0, 1, 0, 0, 2)).toISOString())}&limit=100`);
    expect(early.body.items).toHaveLength(10);
    const prefixed = await api.list(t.key, "q=pg-1&limit=100");
    expect(prefixed.body.items.map((i: { executionId: string }) => i.executionId).sort()).toEqual(["pg-10", "pg-11", "pg-12", "pg-13", "pg-14", "pg-15", "pg-16", "pg-17", "pg-18", "pg-19"]);
    await api.postEvents(t.key, { eventId: "pg-meta", executionId: "pg-meta", workflow: "wf.odd", status: "PENDING", metadata: { region: "eu", tier: "gold" } });
    const tagged = await api.list(t.key, "meta=region=eu&meta=tier=gold");
    expect(tagged.body.items.map((i: { executionId: string }) => i.executionId)).toEqual(["pg-meta"]);
    expect((await api.list(t.key, "from=yesterday")).status).toBe(400);
    expect((await api.list(t.key, "meta=novalue")).status).toBe(400);
  });
});
