// @runwatch/node/pg-boss with a real pg-boss (its own schema in the test database) and a real
// Runwatch API process: a completed job, one that fails every attempt, one that succeeds on
// attempt 2, a cancelled one, the connector restarted (nothing applied twice), and verify.
import { randomBytes } from "node:crypto";
import { Runwatch } from "@runwatch/node";
import { watchPgBoss } from "@runwatch/node/pg-boss";
import { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { pool } from "../../server/db/client";
import { verifyWorkflowCounters } from "../../server/aggregates/verify";
import { type ApiProcess, startApiProcess } from "../setup/api-process";
import { createTestApiKey, createTestOrg } from "../setup/helpers";
import { apiGetJson, eventually } from "../setup/sdk-harness";

// an API process beside the test process needs a PostgreSQL server: embedded PGlite serves one
// connection to one process (as in scaleout.itest.ts)
const EMBEDDED = process.env.RUNWATCH_EMBEDDED_DB === "1";

const run = randomBytes(3).toString("hex");
const schema = `pgboss_${run}`;
let api: ApiProcess;
let apiKey: string;
let orgId: string;
let boss: PgBoss;
let runwatch: Runwatch;
let stop: () => Promise<void>;

const getJson = (p: string) => apiGetJson(api.base, apiKey, p);

const execution = (queue: string, id: string) => getJson(`/api/v1/executions/${encodeURIComponent(`${queue}:${id}`)}`);

async function timeline(executionId: string) {
  const { rows } = await pool().query<{ eventId: string; status: string; attempt: number; outcome: string; error: { message?: string } | null }>(
    `SELECT "eventId", status, attempt, outcome, payload->'error' AS error FROM execution_events
      WHERE "orgId" = $1 AND "executionId" = $2 AND type = 'STATUS' ORDER BY "occurredAt", id`,
    [orgId, executionId],
  );
  return rows;
}

beforeAll(async () => {
  ({ orgId } = await createTestOrg());
  apiKey = (await createTestApiKey(orgId)).key;
  api = await startApiProcess(inject("databaseUrl"));
  boss = new PgBoss({ connectionString: inject("databaseUrl"), schema, max: 4 });
  boss.on("error", () => {});
  await boss.start();
  runwatch = new Runwatch({ url: api.base, apiKey, retry: { baseMs: 50, maxMs: 500 }, handleProcessExit: false });
  stop = await watchPgBoss({ boss, runwatch, schema, pollMs: 100 });
}, 90_000);

afterAll(async () => {
  await stop?.();
  await runwatch?.close();
  await boss?.stop({ graceful: false }).catch(() => {});
  await pool().query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await api?.stop();
});

describe.skipIf(EMBEDDED)("watchPgBoss", () => {
  it("a completed job: PENDING, RUNNING, COMPLETED with its output", async () => {
    const q = `pb-ok-${run}`;
    await boss.createQueue(q);
    await boss.work(q, { pollingIntervalSeconds: 0.5 }, async () => ({ sent: 3 }));
    const id = (await boss.send(q, { invoice: 7 }))!;
    const done = await eventually(() => execution(q, id), (r) => r.body.status === "COMPLETED");
    expect(done.body).toMatchObject({ workflow: q, attempt: 1, output: { sent: 3 }, input: { invoice: 7 } });
    expect((await timeline(`${q}:${id}`)).map((e) => [e.status, e.attempt, e.outcome])).toEqual([
      ["PENDING", 1, "APPLIED"],
      ["RUNNING", 1, "APPLIED"],
      ["COMPLETED", 1, "APPLIED"],
    ]);
  });

  it("a job that fails every attempt ends FAILED on its last attempt with its error", async () => {
    const q = `pb-fail-${run}`;
    await boss.createQueue(q, { retryLimit: 1, retryDelay: 0 });
    await boss.work(q, { pollingIntervalSeconds: 0.5 }, async () => {
      throw new Error("always fails");
    });
    const id = (await boss.send(q, {}))!;
    const failed = await eventually(() => execution(q, id), (r) => r.body.status === "FAILED");
    expect(failed.body).toMatchObject({ attempt: 2, error: { message: "always fails" } });
    const events = await timeline(`${q}:${id}`);
    expect(events.filter((e) => e.outcome === "APPLIED").map((e) => [e.status, e.attempt])).toEqual([
      ["PENDING", 1],
      ["RUNNING", 1],
      ["PENDING", 2],
      ["RUNNING", 2],
      ["FAILED", 2],
    ]);
  });

  it("a job that succeeds on attempt 2 ends COMPLETED on attempt 2", async () => {
    const q = `pb-flaky-${run}`;
    await boss.createQueue(q, { retryLimit: 2, retryDelay: 0 });
    let calls = 0;
    await boss.work(q, { pollingIntervalSeconds: 0.5 }, async () => {
      if (++calls === 1) throw new Error("first attempt fails");
      return { ok: true };
    });
    const id = (await boss.send(q, {}))!;
    const done = await eventually(() => execution(q, id), (r) => r.body.status === "COMPLETED");
    expect(done.body).toMatchObject({ attempt: 2, output: { ok: true } });
  });

  it("a cancelled job is CANCELLED", async () => {
    const q = `pb-cancel-${run}`;
    await boss.createQueue(q);
    const id = (await boss.send(q, {}, { startAfter: 3600 }))!;
    await eventually(() => execution(q, id), (r) => r.body.status === "PENDING");
    await boss.cancel(q, id);
    await eventually(() => execution(q, id), (r) => r.body.status === "CANCELLED");
  });

  it("a restarted connector re-reads its look-back window and applies nothing twice", async () => {
    await stop();
    stop = await watchPgBoss({ boss, runwatch, schema, pollMs: 100 });
    await new Promise((r) => setTimeout(r, 500));
    await runwatch.flush();
    const { rows } = await pool().query<{ eventId: string; applied: number }>(
      `SELECT "eventId", count(*) FILTER (WHERE outcome = 'APPLIED')::int AS applied FROM execution_events
        WHERE "orgId" = $1 AND "eventId" LIKE 'pgboss:%' GROUP BY "eventId"`,
      [orgId],
    );
    expect(rows.length).toBeGreaterThanOrEqual(14);
    for (const r of rows) expect(r, r.eventId).toMatchObject({ applied: 1 });
    expect((await verifyWorkflowCounters(orgId)).ok).toBe(true);
  });
});
