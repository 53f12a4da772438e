// @runwatch/node (the built package, as users get it) against a real Runwatch API process, with
// a misbehaving proxy in between: batching and per-execution order, 429/503 with Retry-After,
// a 10 s outage survived in memory and through the spool across a process restart, track(),
// and deterministic eventIds that turn a retried send into a duplicate.
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Runwatch } from "@runwatch/node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { pool } from "../../server/db/client";
import { type ApiProcess, startApiProcess } from "../setup/api-process";
import { projectRoot } from "../setup/app-routes";
import { type FlakyProxy, startFlakyProxy } from "../setup/flaky-proxy";
import { createTestApiKey, createTestOrg } from "../setup/helpers";
import { apiGetJson, runNode } from "../setup/sdk-harness";

// an API process beside the test process needs a PostgreSQL server: embedded PGlite serves one
// connection to one process (as in scaleout.itest.ts)
const EMBEDDED = process.env.RUNWATCH_EMBEDDED_DB === "1";

const run = randomBytes(3).toString("hex");
let api: ApiProcess;
let proxy: FlakyProxy;
let apiKey: string;
let orgId: string;

const fast = { retry: { baseMs: 50, maxMs: 500 }, handleProcessExit: false } as const;

const getJson = (p: string) => apiGetJson(api.base, apiKey, p);

/** eventId → how many timeline rows and how many were applied, for this test's organization */
async function timelineCounts(prefix: string) {
  const { rows } = await pool().query<{ eventId: string; rows: number; applied: number }>(
    `SELECT "eventId", count(*)::int AS rows, count(*) FILTER (WHERE outcome = 'APPLIED')::int AS applied
       FROM execution_events WHERE "orgId" = $1 AND "executionId" LIKE $2 GROUP BY "eventId"`,
    [orgId, `${prefix}%`],
  );
  return rows;
}

const runChild = (env: Record<string, unknown>) =>
  runNode([path.join(projectRoot, "tests/integration/fixtures/sdk-spool-child.mjs")], { SPOOL_CHILD: JSON.stringify(env) });

beforeAll(async () => {
  const org = await createTestOrg();
  orgId = org.orgId;
  apiKey = (await createTestApiKey(orgId)).key;
  api = await startApiProcess(inject("databaseUrl"));
  proxy = await startFlakyProxy(api.base);
}, 90_000);

afterAll(async () => {
  await proxy?.close();
  await api?.stop();
});

describe.skipIf(EMBEDDED)("@runwatch/node against a running Runwatch", () => {
  it("batches up to 1,000 events per request and keeps each execution's order", async () => {
    proxy.reset();
    const runwatch = new Runwatch({ url: proxy.base, apiKey, ...fast });
    const sent: Record<string, string[]> = {};
    const statuses = ["PENDING", "SCHEDULED", "RUNNING", "COMPLETED"];
    // 625 executions × 4 events, interleaved: 2,500 events
    for (const status of statuses) {
      for (let i = 0; i < 625; i++) {
        const executionId = `batch-${run}-${i}`;
        const eventId = `${executionId}-${status}`;
        (sent[executionId] ??= []).push(eventId);
        runwatch.send({ eventId, executionId, workflow: "sdk.batch", status });
      }
    }
    await runwatch.flush();
    const posts = proxy.seen.filter((s) => s.path === "/api/v1/events");
    expect(posts.map((p) => p.events.length)).toEqual([1000, 1000, 500]);
    const order: Record<string, string[]> = {};
    for (const p of posts) for (const e of p.events) (order[e.executionId as string] ??= []).push(e.eventId as string);
    expect(order).toEqual(sent);
    expect(posts.map((p) => p.status)).toEqual([200, 200, 200]);
    const outcomes = posts.flatMap((p) => (p.answer as { results: { outcome: string }[] }).results.map((r) => r.outcome));
    expect(new Set(outcomes)).toEqual(new Set(["applied"]));
    const one = await getJson(`/api/v1/executions/batch-${run}-7`);
    expect(one.body.status).toBe("COMPLETED");

    // a handful of events sent together leave as one batch, after the 100 ms window
    proxy.reset();
    for (let i = 0; i < 3; i++) runwatch.send({ executionId: `small-${run}-${i}`, workflow: "sdk.batch", status: "RUNNING" });
    await runwatch.flush();
    expect(proxy.seen.map((s) => s.events.length)).toEqual([3]);
    // and a lone event leaves on its own within the window, without anyone calling flush()
    proxy.reset();
    runwatch.send({ executionId: `lone-${run}`, workflow: "sdk.batch", status: "RUNNING" });
    await new Promise((r) => setTimeout(r, 600));
    expect(proxy.seen.map((s) => s.events.length)).toEqual([1]);
    expect(runwatch.stats()).toMatchObject({ queued: 0, delivered: 2504, dropped: 0, invalid: 0 });
    await runwatch.close();
  });

  it("retries 429 and 503 after their Retry-After", async () => {
    proxy.reset((n) =>
      n === 0
        ? { kind: "status", status: 429, headers: { "retry-after": "1" } }
        : n === 1
          ? { kind: "status", status: 503, headers: { "retry-after": "1" } }
          : { kind: "pass" },
    );
    const runwatch = new Runwatch({ url: proxy.base, apiKey, ...fast });
    runwatch.send({ executionId: `retry-${run}`, workflow: "sdk.retry", status: "RUNNING" });
    await runwatch.flush();
    const at = proxy.seen.map((s) => s.at);
    expect(proxy.seen.map((s) => s.status)).toEqual([429, 503, 200]);
    // each retry waited at least the second it was told to (less timer slack)
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(990);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(990);
    expect((await getJson(`/api/v1/executions/retry-${run}`)).body.status).toBe("RUNNING");
    expect(runwatch.stats().retries).toBe(2);
    await runwatch.close();
    proxy.reset();
  });

  it("waits for the rate-limit window to reset when an answer says none is left", async () => {
    proxy.reset((n) => (n === 0 ? { kind: "pass", headers: { "ratelimit-limit": "100", "ratelimit-remaining": "0", "ratelimit-reset": "1" } } : { kind: "pass" }));
    const runwatch = new Runwatch({ url: proxy.base, apiKey, ...fast });
    runwatch.send({ executionId: `rl-${run}-1`, workflow: "sdk.ratelimit", status: "RUNNING" });
    await runwatch.flush();
    runwatch.send({ executionId: `rl-${run}-2`, workflow: "sdk.ratelimit", status: "RUNNING" });
    await runwatch.flush();
    expect(proxy.seen.map((s) => s.status)).toEqual([200, 200]);
    expect(proxy.seen[1]!.at - proxy.seen[0]!.at).toBeGreaterThanOrEqual(950);
    expect(runwatch.stats().retries).toBe(0);
    await runwatch.close();
    proxy.reset();
  });

  it("waits out a 10 s outage: every event arrives exactly once, in memory and through the spool across a restart", async () => {
    let down = true;
    proxy.reset(() => (down ? { kind: "down" } : { kind: "pass" }));
    const spoolDir = await mkdtemp(path.join(os.tmpdir(), "rw-spool-"));
    const events = (prefix: string) =>
      Array.from({ length: 40 }, (_, i) => [
        { executionId: `${prefix}-${i}`, workflow: "sdk.outage", status: "PENDING" },
        { executionId: `${prefix}-${i}`, status: "RUNNING" },
        { executionId: `${prefix}-${i}`, status: i % 2 ? "COMPLETED" : "FAILED", error: i % 2 ? undefined : "boom" },
      ]).flat();
    try {
      // in memory: one long-lived process keeps retrying until Runwatch is back
      const memory = new Runwatch({ url: proxy.base, apiKey, ...fast });
      for (const e of events(`mem-${run}`)) memory.send(e);
      // through the spool: a short-lived producer gives up after 1 s and exits
      const first = await runChild({ url: proxy.base, apiKey, spoolDir, events: events(`spool-${run}`), closeTimeoutMs: 1000, mode: "send-and-close" });
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout.trim())).toMatchObject({ delivered: 0, dropped: 0, queued: 120 });
      expect((await readdir(spoolDir)).length).toBeGreaterThan(0);

      await new Promise((r) => setTimeout(r, 10_000));
      down = false;
      await memory.flush();
      expect(memory.stats()).toMatchObject({ delivered: 120, dropped: 0 });
      await memory.close();
      // the next process with the same spool sends what the first left behind
      const second = await runChild({ url: proxy.base, apiKey, spoolDir, events: [], closeTimeoutMs: 10_000, mode: "resend" });
      expect(second.code, second.stderr).toBe(0);
      expect(JSON.parse(second.stdout.trim())).toMatchObject({ delivered: 120, dropped: 0, queued: 0 });
      expect(await readdir(spoolDir)).toEqual([]);

      for (const prefix of [`mem-${run}`, `spool-${run}`]) {
        const counts = await timelineCounts(prefix);
        expect(counts).toHaveLength(120);
        for (const c of counts) expect(c, c.eventId).toMatchObject({ rows: 1, applied: 1 });
        expect((await getJson(`/api/v1/executions/${prefix}-1`)).body.status).toBe("COMPLETED");
        expect((await getJson(`/api/v1/executions/${prefix}-2`)).body.error).toMatchObject({ message: "boom" });
      }
    } finally {
      proxy.reset();
      await rm(spoolDir, { recursive: true, force: true });
    }
  }, 40_000);

  it("track() reports success, failure and thrown errors", async () => {
    const runwatch = new Runwatch({ url: proxy.base, apiKey, ...fast });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const ok = await runwatch.track({ workflow: "sdk.track", executionId: `track-ok-${run}`, heartbeatMs: 0, metadata: { team: "billing" }, input: { month: 11 } }, async (r) => {
      expect(r.executionId).toBe(`track-ok-${run}`);
      await sleep(50);
      return { invoices: 3 };
    });
    expect(ok).toEqual({ invoices: 3 });
    await expect(
      runwatch.track({ workflow: "sdk.track", executionId: `track-reject-${run}`, heartbeatMs: 0 }, async () => {
        await sleep(20);
        throw Object.assign(new Error("card declined"), { code: "E402" });
      }),
    ).rejects.toThrow("card declined");
    await expect(
      runwatch.track({ workflow: "sdk.track", executionId: `track-throw-${run}`, heartbeatMs: 0 }, () => {
        throw new TypeError("not a function");
      }),
    ).rejects.toThrow(TypeError);
    await runwatch.flush();
    expect(runwatch.stats()).toMatchObject({ invalid: 0, dropped: 0 });

    const done = (await getJson(`/api/v1/executions/track-ok-${run}`)).body;
    expect(done).toMatchObject({ status: "COMPLETED", workflow: "sdk.track", output: { invoices: 3 }, input: { month: 11 }, metadata: { team: "billing" } });
    expect(done.startedAt).not.toBeNull();
    expect(done.durationMs).toBeGreaterThanOrEqual(40);
    const rejected = (await getJson(`/api/v1/executions/track-reject-${run}`)).body;
    expect(rejected).toMatchObject({ status: "FAILED", error: { message: "card declined", code: "E402" } });
    const thrown = (await getJson(`/api/v1/executions/track-throw-${run}`)).body;
    expect(thrown).toMatchObject({ status: "FAILED", error: { message: "not a function" } });
    expect(thrown.error.stack).toContain("TypeError");
    await runwatch.close();
  });

  // heartbeats go without an eventId (CONTRACT §3), which issue 9's server accepts
  it("track() heartbeats on a timer while the function runs, for success and failure", async () => {
    const runwatch = new Runwatch({ url: proxy.base, apiKey, ...fast });
    proxy.reset();
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await runwatch.track({ workflow: "sdk.track", executionId: `track-hb-ok-${run}`, heartbeatMs: 40 }, () => sleep(250));
    await expect(
      runwatch.track({ workflow: "sdk.track", executionId: `track-hb-fail-${run}`, heartbeatMs: 40 }, async () => {
        await sleep(200);
        throw new Error("late failure");
      }),
    ).rejects.toThrow("late failure");
    await runwatch.flush();
    const heartbeats = proxy.seen.flatMap((s) => s.events).filter((e) => e.type === "heartbeat");
    expect(heartbeats.filter((e) => e.executionId === `track-hb-ok-${run}`).length).toBeGreaterThanOrEqual(3);
    expect(heartbeats.every((e) => e.eventId === undefined && typeof e.occurredAt === "string")).toBe(true);
    expect(runwatch.stats()).toMatchObject({ invalid: 0, dropped: 0 });
    for (const id of [`track-hb-ok-${run}`, `track-hb-fail-${run}`]) {
      const execution = (await getJson(`/api/v1/executions/${id}`)).body;
      expect(execution.lastHeartbeatAt, id).not.toBeNull();
      expect(Date.parse(execution.lastHeartbeatAt)).toBeGreaterThan(Date.parse(execution.startedAt));
    }
    await runwatch.close();
  });

  it("flushes at the end of a program and on SIGTERM, and counts what a full queue drops", async () => {
    const prefix = `exit-${run}`;
    const events = (tag: string) => Array.from({ length: 5 }, (_, i) => ({ executionId: `${prefix}-${tag}-${i}`, workflow: "sdk.exit", status: "RUNNING" }));
    // a script that sends and simply ends: beforeExit delivers
    const natural = await runChild({ url: proxy.base, apiKey, events: events("natural"), mode: "just-exit" });
    expect(natural.code, natural.stderr).toBe(0);
    // a process told to stop: SIGTERM delivers, then the process exits as it would have
    const term = await runChild({ url: proxy.base, apiKey, events: events("term"), mode: "sigterm" });
    expect(term.code === 0 || term.code === null, term.stderr).toBe(true);
    expect(term.stdout).toContain("sigterm-sent");
    for (const tag of ["natural", "term"]) {
      for (let i = 0; i < 5; i++) expect((await getJson(`/api/v1/executions/${prefix}-${tag}-${i}`)).body.status, `${tag} ${i}`).toBe("RUNNING");
    }
    // the queue is bounded: past maxQueueSize events are dropped and counted, never queued
    const tiny = new Runwatch({ url: "http://127.0.0.1:9", apiKey, maxQueueSize: 10, closeTimeoutMs: 0, ...fast });
    for (let i = 0; i < 15; i++) tiny.send({ executionId: `tiny-${i}`, status: "RUNNING" });
    expect(tiny.stats()).toMatchObject({ queued: 10, dropped: 5 });
    await tiny.close();
    expect(tiny.stats().dropped).toBe(15);
  });

  it("derives the same eventId for the same event, so a retried send is a duplicate", async () => {
    // the first request reaches Runwatch but its answer is lost: the SDK sends it again
    proxy.reset((n) => (n === 0 ? { kind: "lose-answer" } : { kind: "pass" }));
    const runwatch = new Runwatch({ url: proxy.base, apiKey, ...fast });
    const event = { executionId: `dedupe-${run}`, workflow: "sdk.dedupe", status: "RUNNING", occurredAt: new Date(Date.now() - 1000).toISOString() };
    runwatch.send(event);
    await runwatch.flush();
    expect(proxy.seen).toHaveLength(2);
    const [lost, retried] = proxy.seen;
    expect(lost!.events[0]!.eventId).toBe(retried!.events[0]!.eventId);
    expect((lost!.answer as { results: { outcome: string }[] }).results[0]!.outcome).toBe("applied");
    expect((retried!.answer as { results: { outcome: string }[] }).results[0]!.outcome).toBe("duplicate");

    // the caller sending the same event again is the same event, too
    proxy.reset();
    runwatch.send(event);
    await runwatch.flush();
    expect((proxy.seen[0]!.answer as { results: { eventId: string; outcome: string }[] }).results[0]).toMatchObject({
      eventId: lost!.events[0]!.eventId,
      outcome: "duplicate",
    });
    expect(await timelineCounts(`dedupe-${run}`)).toHaveLength(1);
    await runwatch.close();
    proxy.reset();
  });
});
