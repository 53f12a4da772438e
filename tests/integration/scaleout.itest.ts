// Stateless app processes: three API processes on different ports against one database take
// ingestion traffic for the same executions at the same time. Every event is sent to all three
// at once, and rival terminal statuses race through different processes. Afterwards the three
// list the same executions, counters equal a recount, no eventId was applied twice, and a status
// written through one process is read back through the other two at once.
//
// The processes are small node http servers (tests/setup/api-server.ts, child processes through
// tsx) that mount the very route handlers of app/api/** that `next start` serves. A production
// build (`next build`, several minutes on this 2-core machine, and an artifact the test would
// depend on) buys nothing here:
// what could break statelessness is process-local state in those handlers and the services under
// them, and that is exactly the code these processes run. Next adds only routing in front.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { pool } from "../../server/db/client";
import { verifyWorkflowCounters } from "../../server/aggregates/verify";
import { type ApiProcess, startApiProcess } from "../setup/api-process";
import { createTestApiKey, createTestOrg } from "../setup/helpers";

const PROCESSES = 3;
const EXECUTIONS = 40;

// PGlite serves one connection to one process; three processes sharing it is not the setup
// this test is about (and its socket server would interleave their sessions).
describe.skipIf(process.env.RUNWATCH_EMBEDDED_DB === "1")("three stateless API processes on one database", () => {
  const procs: ApiProcess[] = [];
  let key: string;
  let orgId: string;
  const answers = new Map<string, string[]>(); // eventId → outcomes from all processes
  const run = randomBytes(3).toString("hex");
  const execId = (i: number) => `so-${run}-${i}`;

  const call = async (p: ApiProcess, method: string, url: string, body?: unknown) => {
    const res = await fetch(`${p.base}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  beforeAll(async () => {
    const org = await createTestOrg();
    orgId = org.orgId;
    key = (await createTestApiKey(orgId)).key;
    const databaseUrl = inject("databaseUrl");
    procs.push(...(await Promise.all(Array.from({ length: PROCESSES }, () => startApiProcess(databaseUrl)))));
  }, 60_000);

  afterAll(() => {
    for (const p of procs) p.child.kill("SIGTERM");
  });

  it("applies each event once, whichever process gets it first", async () => {
    const t0 = Date.now() - 60_000;
    const at = (i: number, s: number) => new Date(t0 + i * 10 + s * 1000).toISOString();
    // the lifecycle of every execution, in waves; every wave goes to all three processes at once
    const waves: Record<string, unknown>[][] = [[], [], [], []];
    for (let i = 0; i < EXECUTIONS; i++) {
      const e = execId(i);
      waves[0]!.push({ eventId: `${e}.1`, executionId: e, workflow: `so.${i % 3}`, status: "SCHEDULED", occurredAt: at(i, 0) });
      waves[1]!.push({ eventId: `${e}.2`, executionId: e, status: "RUNNING", occurredAt: at(i, 1) });
      waves[2]!.push({ eventId: `${e}.3`, executionId: e, type: "heartbeat", occurredAt: at(i, 2) });
      // the last five stay RUNNING for the live-update check
      if (i < EXECUTIONS - 5) waves[3]!.push({ eventId: `${e}.4`, executionId: e, status: i % 4 ? "COMPLETED" : "FAILED", occurredAt: at(i, 3) });
    }
    for (const wave of waves) {
      const batches = [wave.slice(0, 20), wave.slice(20)].filter((b) => b.length);
      const sends = procs.flatMap((p) => batches.map((events) => call(p, "POST", "/api/v1/events", { events })));
      for (const r of await Promise.all(sends)) {
        expect(r.status).toBe(200);
        for (const x of r.body.results as { eventId: string; outcome: string }[]) answers.set(x.eventId, [...(answers.get(x.eventId) ?? []), x.outcome]);
      }
    }
    expect(answers.size).toBe(EXECUTIONS * 4 - 5);
    for (const [eventId, outcomes] of answers) {
      expect(outcomes, eventId).toHaveLength(PROCESSES);
      expect(outcomes.filter((o) => o !== "duplicate"), eventId).toEqual(["applied"]);
    }
    // status events are timeline rows; heartbeats are compacted to one row per attempt, whose
    // count says each was applied once
    const { rows } = await pool().query<{ applied: number; twice: number; processed: number; heartbeats: number }>(
      `SELECT count(*) FILTER (WHERE outcome = 'APPLIED')::int AS applied,
              (SELECT count(*)::int FROM (SELECT 1 FROM execution_events WHERE "orgId" = $1 AND outcome = 'APPLIED' GROUP BY "eventId" HAVING count(*) > 1) x) AS twice,
              (SELECT count(*)::int FROM processed_events WHERE "orgId" = $1) AS processed,
              (SELECT coalesce(sum(count), 0)::int FROM execution_heartbeats WHERE "orgId" = $1) AS heartbeats
       FROM execution_events WHERE "orgId" = $1`,
      [orgId],
    );
    expect(rows[0]).toEqual({ applied: EXECUTIONS * 3 - 5, twice: 0, processed: EXECUTIONS * 4 - 5, heartbeats: EXECUTIONS });
  });

  it("lets exactly one of rival terminal statuses sent through different processes win", async () => {
    const e = execId(EXECUTIONS - 1);
    const rivals = ["COMPLETED", "FAILED", "CANCELLED"] as const;
    const results = await Promise.all(
      procs.map((p, i) => call(p, "POST", "/api/v1/events", { eventId: `${e}.rival-${i}`, executionId: e, status: rivals[i] })),
    );
    const outcomes = results.map((r) => r.body.results[0].outcome as string);
    expect(outcomes.filter((o) => o === "applied")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "rejected")).toHaveLength(2);
    const winner = rivals[outcomes.indexOf("applied")];
    for (const r of results) expect(r.body.results[0].status).toBe(winner);
  });

  it("keeps the workflow counters equal to a recount, and reports the same counters everywhere", async () => {
    const report = await verifyWorkflowCounters(orgId);
    expect(report.workflows).toBe(3);
    expect(report.differences).toEqual([]);
    for (const k of ["so.0", "so.1", "so.2"]) {
      const views = await Promise.all(procs.map((p) => call(p, "GET", `/api/v1/workflows/${k}`)));
      expect(views[0]!.status).toBe(200);
      for (const v of views) expect(v.body).toEqual(views[0]!.body);
    }
  });

  it("lists the same executions, page by page, from every process", async () => {
    const listAll = async (p: ApiProcess) => {
      const items: unknown[] = [];
      let cursor: string | null = null;
      do {
        const r: { status: number; body: { items: unknown[]; nextCursor: string | null } } = await call(
          p,
          "GET",
          `/api/v1/executions?limit=15${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        );
        expect(r.status).toBe(200);
        items.push(...r.body.items);
        cursor = r.body.nextCursor;
      } while (cursor);
      return items;
    };
    const lists = await Promise.all(procs.map(listAll));
    expect(lists[0]).toHaveLength(EXECUTIONS);
    expect(lists[1]).toEqual(lists[0]);
    expect(lists[2]).toEqual(lists[0]);
    const running = await Promise.all(procs.map((p) => call(p, "GET", "/api/v1/executions?status=RUNNING&limit=100")));
    for (const r of running) expect(r.body.items).toHaveLength(4);
  });

  it("shows a status written through one process through the others at once", async () => {
    for (let k = 0; k < 4; k++) {
      const e = execId(EXECUTIONS - 5 + k);
      const writer = procs[k % PROCESSES]!;
      const put = await call(writer, "PUT", `/api/v1/executions/${e}/status`, { status: "COMPLETED", eventId: `${e}.put` });
      expect(put.status).toBe(200);
      // no wait, no retry: the next request to another process must already see it
      const reads = await Promise.all(procs.filter((p) => p !== writer).map((p) => call(p, "GET", `/api/v1/executions/${e}`)));
      for (const r of reads) {
        expect(r.status).toBe(200);
        expect(r.body.status).toBe("COMPLETED");
      }
      const lists = await Promise.all(procs.map((p) => call(p, "GET", "/api/v1/executions?status=RUNNING&limit=100")));
      for (const l of lists) expect(l.body.items).toHaveLength(3 - k);
    }
    expect((await verifyWorkflowCounters(orgId)).ok).toBe(true);
  });
});
