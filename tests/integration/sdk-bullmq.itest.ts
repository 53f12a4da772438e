// @runwatch/node/bullmq with real BullMQ workers in child processes, real Redis (127.0.0.1:6379)
// and a real Runwatch API process: completed, failed for good, succeeded on attempt 2, a worker
// SIGKILLed mid-job (stalled → stuck → retried), a reused job id, the connector SIGKILLed and
// restarted mid-stream, and `runwatch verify` afterwards.
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { Runwatch } from "@runwatch/node";
import { watchQueue } from "@runwatch/node/bullmq";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { pool } from "../../server/db/client";
import { type ApiProcess, startApiProcess, tsxLoader } from "../setup/api-process";
import { projectRoot } from "../setup/app-routes";
import { createTestApiKey, createTestOrg } from "../setup/helpers";
import { apiGetJson, eventually, runNode, startNode, stopChild } from "../setup/sdk-harness";

// an API process beside the test process needs a PostgreSQL server: embedded PGlite serves one
// connection to one process (as in scaleout.itest.ts)
const EMBEDDED = process.env.RUNWATCH_EMBEDDED_DB === "1";

const connection = { host: "127.0.0.1", port: 6379 };
const run = randomBytes(3).toString("hex");
const children: ChildProcess[] = [];
let api: ApiProcess;
let apiKey: string;
let orgId: string;
let orgSlug: string;

const start = (fixture: string, env: Record<string, string>, readyLine: RegExp) =>
  startNode([path.join(projectRoot, "tests/integration/fixtures", fixture)], env, readyLine, children);

const startWorker = (queue: string, opts: { lockDuration?: number; stalledInterval?: number } = {}) =>
  start("bullmq-worker.mjs", { WORKER: JSON.stringify({ queue, ...opts }) }, /ready/);

const kill = stopChild;
const getJson = (p: string) => apiGetJson(api.base, apiKey, p);

/** The execution of a job, by the connector's id rule (queue:jobId:createdAt). */
async function executionOf(queue: Queue, jobId: string) {
  const job = await queue.getJob(jobId);
  return `${queue.name}:${jobId}:${job!.timestamp}`;
}

/** The timeline as stored: status, attempt, outcome and error of every event, in arrival order. */
async function timeline(executionId: string) {
  const { rows } = await pool().query<{ eventId: string; status: string | null; attempt: number; outcome: string; error: { message?: string; code?: string } | null }>(
    `SELECT "eventId", status, attempt, outcome, payload->'error' AS error FROM execution_events
      WHERE "orgId" = $1 AND "executionId" = $2 AND type = 'STATUS' ORDER BY id`,
    [orgId, executionId],
  );
  return rows;
}

beforeAll(async () => {
  const org = await createTestOrg();
  orgId = org.orgId;
  orgSlug = org.slug;
  apiKey = (await createTestApiKey(orgId)).key;
  api = await startApiProcess(inject("databaseUrl"));
}, 90_000);

afterAll(async () => {
  await Promise.all(children.map((c) => kill(c, "SIGKILL")));
  await api?.stop();
});

describe.skipIf(EMBEDDED)("watchQueue: BullMQ jobs in Runwatch", () => {
  const queueName = `rw-bq-${run}`;
  let queue: Queue;
  let runwatch: Runwatch;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    queue = new Queue(queueName, { connection });
    runwatch = new Runwatch({ url: api.base, apiKey, retry: { baseMs: 50, maxMs: 500 }, handleProcessExit: false });
    stop = await watchQueue({ queue: queueName, connection, runwatch, checkpointMs: 200 });
    await startWorker(queueName);
  }, 30_000);

  afterAll(async () => {
    await stop?.();
    await runwatch?.close();
    await queue?.obliterate({ force: true }).catch(() => {});
    await queue?.close();
  });

  it("a completed job: PENDING, RUNNING, COMPLETED with its return value", async () => {
    await queue.add("invoice", { kind: "ok", n: 1 }, { jobId: "ok-1" });
    const id = await executionOf(queue, "ok-1");
    const execution = await eventually(() => getJson(`/api/v1/executions/${encodeURIComponent(id)}`), (r) => r.body.status === "COMPLETED");
    expect(execution.body).toMatchObject({ workflow: `${queueName}.invoice`, attempt: 1, output: { ok: true, n: 1 }, input: { kind: "ok", n: 1 } });
    expect((await timeline(id)).map((e) => [e.status, e.attempt, e.outcome])).toEqual([
      ["PENDING", 1, "APPLIED"],
      ["RUNNING", 1, "APPLIED"],
      ["COMPLETED", 1, "APPLIED"],
    ]);
  });

  it("a job that fails every attempt: each failed attempt's error on the timeline, then FAILED", async () => {
    await queue.add("charge", { kind: "fail" }, { jobId: "fail-1", attempts: 3 });
    const id = await executionOf(queue, "fail-1");
    const execution = await eventually(() => getJson(`/api/v1/executions/${encodeURIComponent(id)}`), (r) => r.body.status === "FAILED");
    expect(execution.body).toMatchObject({ attempt: 3, error: { message: "always fails (attempt 3)" } });
    const events = await timeline(id);
    expect(events.map((e) => [e.status, e.attempt])).toEqual([
      ["PENDING", 1],
      ["RUNNING", 1],
      ["PENDING", 2],
      ["RUNNING", 2],
      ["PENDING", 3],
      ["RUNNING", 3],
      ["FAILED", 3],
    ]);
    expect(events.filter((e) => e.status === "PENDING" && e.attempt > 1).map((e) => e.error?.message)).toEqual(["always fails (attempt 1)", "always fails (attempt 2)"]);
  });

  it("a job that succeeds on attempt 2 keeps attempt 1's error on the timeline", async () => {
    await queue.add("charge", { kind: "flaky" }, { jobId: "flaky-1", attempts: 3, backoff: { type: "fixed", delay: 50 } });
    const id = await executionOf(queue, "flaky-1");
    const execution = await eventually(() => getJson(`/api/v1/executions/${encodeURIComponent(id)}`), (r) => r.body.status === "COMPLETED");
    expect(execution.body).toMatchObject({ attempt: 2, output: { attempt: 2 }, error: null });
    const events = await timeline(id);
    expect(events.map((e) => [e.status, e.attempt])).toEqual([
      ["PENDING", 1],
      ["RUNNING", 1],
      ["PENDING", 2],
      ["RUNNING", 2],
      ["COMPLETED", 2],
    ]);
    expect(events[2]!.error).toMatchObject({ message: "first attempt fails", code: "ATTEMPT_FAILED" });
  });

  it("progress is reported as heartbeats", async () => {
    await queue.add("export", { kind: "progress" }, { jobId: "progress-1" });
    const id = await executionOf(queue, "progress-1");
    const execution = await eventually(() => getJson(`/api/v1/executions/${encodeURIComponent(id)}`), (r) => r.body.status === "COMPLETED");
    expect(execution.body.lastHeartbeatAt).not.toBeNull();
  });

  it("a job id reused after removal is a new execution", async () => {
    await queue.add("report", { kind: "ok", n: 1 }, { jobId: "reused" });
    const first = await executionOf(queue, "reused");
    await eventually(() => getJson(`/api/v1/executions/${encodeURIComponent(first)}`), (r) => r.body.status === "COMPLETED");
    await (await queue.getJob("reused"))!.remove();
    await new Promise((r) => setTimeout(r, 5)); // a new creation time, even on a fast machine
    await queue.add("report", { kind: "ok", n: 2 }, { jobId: "reused" });
    const second = await executionOf(queue, "reused");
    expect(second).not.toBe(first);
    const again = await eventually(() => getJson(`/api/v1/executions/${encodeURIComponent(second)}`), (r) => r.body.status === "COMPLETED");
    expect(again.body.output).toEqual({ ok: true, n: 2 });
    expect((await getJson(`/api/v1/executions/${encodeURIComponent(first)}`)).body.output).toEqual({ ok: true, n: 1 });
  });
});

describe.skipIf(EMBEDDED)("watchQueue: a worker killed mid-job", () => {
  it("stalls, shows stuck, then BullMQ retries it and Runwatch follows", async () => {
    const queueName = `rw-bq-stall-${run}`;
    const queue = new Queue(queueName, { connection });
    const runwatch = new Runwatch({ url: api.base, apiKey, retry: { baseMs: 50, maxMs: 500 }, handleProcessExit: false });
    const stop = await watchQueue({ queue: queueName, connection, runwatch, checkpointMs: 200 });
    try {
      // a short lock, so the dead worker's lock expires in a second; a short stall check, since
      // BullMQ lets one check per interval run across all workers (the doomed one's counts too)
      const doomed = await startWorker(queueName, { lockDuration: 1000, stalledInterval: 500 });
      await queue.add("sync", { kind: "hang" }, { jobId: "hang-1", attempts: 2 });
      await eventually(async () => doomed.output(), (out) => out.includes("hanging hang-1"));
      const id = await executionOf(queue, "hang-1");
      await eventually(() => getJson(`/api/v1/executions/${encodeURIComponent(id)}`), (r) => r.body.status === "RUNNING");
      const patched = await fetch(`${api.base}/api/v1/workflows/${queueName}.sync`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ stuckRunningAfterSeconds: 1 }),
      });
      expect(patched.status).toBe(200);
      await kill(doomed.child, "SIGKILL");
      // no worker, no heartbeat: Runwatch flags it stuck
      const stuck = await eventually(() => getJson(`/api/v1/executions/${encodeURIComponent(id)}`), (r) => r.body.stuck === true);
      expect(stuck.body).toMatchObject({ status: "RUNNING", stuckReason: "running", attempt: 1 });
      // a live worker's stall check finds the job, BullMQ puts it back, and the retry completes
      await startWorker(queueName, { lockDuration: 1000, stalledInterval: 500 });
      const done = await eventually(() => getJson(`/api/v1/executions/${encodeURIComponent(id)}`), (r) => r.body.status === "COMPLETED");
      expect(done.body).toMatchObject({ attempt: 2, stuck: false, output: { recovered: true } });
      const events = await timeline(id);
      expect(events.map((e) => [e.status, e.attempt])).toEqual([
        ["PENDING", 1],
        ["RUNNING", 1],
        ["PENDING", 2],
        ["RUNNING", 2],
        ["COMPLETED", 2],
      ]);
      expect(events[2]!.error).toMatchObject({ code: "STALLED" });
    } finally {
      await stop();
      await runwatch.close();
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
    }
  }, 30_000);
});

describe.skipIf(EMBEDDED)("watchQueue: the connector killed and restarted mid-stream", () => {
  it("loses no event and applies none twice", async () => {
    const queueName = `rw-bq-restart-${run}`;
    const queue = new Queue(queueName, { connection });
    const env = { CONNECTOR: JSON.stringify({ queue: queueName, url: api.base, apiKey }) };
    try {
      await startWorker(queueName);
      let connector = await start("bullmq-connector.mjs", env, /watching/);
      const JOBS = 60;
      for (let i = 0; i < JOBS; i++) {
        await queue.add("step", { kind: "ok", n: i, ms: 2 }, { jobId: `j${i}` });
        if (i === 25) {
          await kill(connector.child, "SIGKILL");
        }
        if (i === 40) connector = await start("bullmq-connector.mjs", env, /watching/);
      }
      const ids = await Promise.all(Array.from({ length: JOBS }, (_, i) => executionOf(queue, `j${i}`)));
      for (const id of ids) await eventually(() => getJson(`/api/v1/executions/${encodeURIComponent(id)}`), (r) => r.body.status === "COMPLETED", 20_000);
      await kill(connector.child, "SIGTERM");
      // every job's timeline is the one a connector that never died would have written
      const { rows } = await pool().query<{ executionId: string; statuses: string[]; applied: number; distinct: number }>(
        `SELECT "executionId", array_agg(status::text ORDER BY "occurredAt", id) FILTER (WHERE outcome = 'APPLIED') AS statuses,
                count(*) FILTER (WHERE outcome = 'APPLIED')::int AS applied, count(DISTINCT "eventId")::int AS distinct
           FROM execution_events WHERE "orgId" = $1 AND "executionId" LIKE $2 GROUP BY "executionId"`,
        [orgId, `${queueName}:%`],
      );
      expect(rows).toHaveLength(JOBS);
      for (const r of rows) expect(r, r.executionId).toMatchObject({ statuses: ["PENDING", "RUNNING", "COMPLETED"], applied: 3, distinct: 3 });
    } finally {
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
    }
  }, 60_000);
});

describe.skipIf(EMBEDDED)("after the connector", () => {
  it("runwatch verify passes", async () => {
    const out = await runNode(["--import", tsxLoader, path.join(projectRoot, "server/cli/main.ts"), "verify", "--org", orgSlug, "--json"], {
      DATABASE_URL: inject("databaseUrl"),
    });
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout.trim().split("\n").pop()!);
    expect(report.ok).toBe(true);
    expect(report.workflows).toBeGreaterThanOrEqual(5);
  }, 60_000);
});
