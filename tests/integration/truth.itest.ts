// Truth in any order (CONTRACT.md §1 rules 4, 5, 8, 9) against real PostgreSQL: the reversed
// seed 004 scenario, deferred first events, compacted heartbeats and counted repeats on the
// timeline route, and a property test with 1–8 concurrent senders whose every arrival order
// must give the same execution, counters and hourly rows as the events sent in order.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../server/db/client";
import { ingestEvents } from "../../server/ingest/service";
import { metrics } from "../../server/metrics/prometheus";
import { dropExpiredDeferredEvents } from "../../server/monitor/deferred";
import { createTestApiKey, createTestOrg } from "../setup/helpers";
import { api, countersAndRecount, expectCountersMatchRecount } from "./api-helpers";
import { expectRollupsMatchRecount } from "./rollup-helpers";

if (!process.env.RUNWATCH_EMBEDDED_DB) process.env.RUNWATCH_DB_POOL_SIZE = "10";

let t: { orgId: string; key: string };
beforeAll(async () => {
  const org = await createTestOrg();
  t = { orgId: org.orgId, key: (await createTestApiKey(org.orgId)).key };
});

const T0 = Date.parse("2026-03-02T08:00:00.000Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

async function hourlyRows(orgId: string, workflow: string) {
  const { rows } = await pool().query(
    `SELECT h.hour, h.status, h.count, h."durationSumMs"::text AS sum, h.histogram FROM execution_hourly h
       JOIN workflows w ON w."orgId" = h."orgId" AND w.id = h."workflowId"
      WHERE h."orgId" = $1 AND w.key = $2 ORDER BY h.hour, h.status`,
    [orgId, workflow],
  );
  return rows;
}

/** The hourly rows as a recount of the executions would give them. */
async function hourlyRecount(orgId: string, workflow: string) {
  const { rows } = await pool().query(
    `SELECT date_trunc('hour', e."completedAt") AS hour, e.status, count(*)::int AS count, sum(e."durationMs")::text AS sum
       FROM executions e JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
      WHERE e."orgId" = $1 AND w.key = $2 AND e."completedAt" IS NOT NULL AND e.status IN ('COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'CONTINUED_AS_NEW')
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [orgId, workflow],
  );
  return rows;
}

describe("seed 004 reversed: COMPLETED first, then the late RUNNING", () => {
  it("status stays COMPLETED, startedAt and durationMs come from the late RUNNING, the outcome and reason are unchanged", async () => {
    const first = await api.postEvents(t.key, { eventId: "s4-done", executionId: "s4", workflow: "seed.004", status: "COMPLETED", occurredAt: at(600) });
    expect(first.body.results[0]).toMatchObject({ outcome: "applied", status: "COMPLETED" });
    const late = await api.postEvents(t.key, { eventId: "s4-run", executionId: "s4", status: "RUNNING", occurredAt: at(0) });
    expect(late.body.results[0]).toEqual({
      eventId: "s4-run",
      outcome: "rejected",
      status: "COMPLETED",
      reason: "execution is already COMPLETED; a terminal status is final",
    });
    const e = (await api.getExecution(t.key, "s4")).body;
    expect(e).toMatchObject({ status: "COMPLETED", createdAt: at(0), startedAt: at(0), completedAt: at(600), durationMs: 600_000 });
    // the hourly aggregate moved the execution from the 0 ms bucket to the 600 s one
    expect(await hourlyRows(t.orgId, "seed.004")).toEqual([
      expect.objectContaining({ count: 1, sum: "600000" }),
    ]);
    const hist = (await hourlyRows(t.orgId, "seed.004"))[0].histogram as number[];
    expect(hist.reduce((a, b) => a + b, 0)).toBe(1);
    expect(hist[0]).toBe(0);
    expect(await hourlyRows(t.orgId, "seed.004")).toEqual(
      (await hourlyRecount(t.orgId, "seed.004")).map((r) => expect.objectContaining({ status: r.status, count: r.count, sum: r.sum })),
    );
  });
});

describe("deferred events (rule 9)", () => {
  it("a heartbeat, then RUNNING without workflow, then PENDING with workflow: RUNNING, with its times, both shown as having waited", async () => {
    const hb = await api.postEvents(t.key, { executionId: "d1", type: "heartbeat", occurredAt: at(20) });
    expect(hb.body.results[0]).toMatchObject({ eventId: null, outcome: "deferred", status: null });
    const run = await api.postEvents(t.key, { eventId: "d1-run", executionId: "d1", status: "RUNNING", occurredAt: at(10) });
    expect(run.body.results[0]).toMatchObject({ eventId: "d1-run", outcome: "deferred", status: null });
    expect((await api.getExecution(t.key, "d1")).status).toBe(404);
    // the deferred event's eventId is taken: sending it again is a duplicate, counted later
    expect((await api.postEvents(t.key, { eventId: "d1-run", executionId: "d1", status: "RUNNING", occurredAt: at(10) })).body.results[0].outcome).toBe(
      "duplicate",
    );
    await new Promise((r) => setTimeout(r, 30));
    const create = await api.postEvents(t.key, { eventId: "d1-new", executionId: "d1", workflow: "deferred.wf", status: "PENDING", occurredAt: at(0) });
    // the answer names the status after the event and the deferred ones it released
    expect(create.body.results[0]).toMatchObject({ outcome: "applied", status: "RUNNING" });

    const e = (await api.getExecution(t.key, "d1")).body;
    expect(e).toMatchObject({ status: "RUNNING", createdAt: at(0), startedAt: at(10), lastHeartbeatAt: at(20) });
    const timeline = (await api.events(t.key, "d1")).body;
    expect(timeline.nextCursor).toBeNull();
    expect(timeline.items).toEqual([
      expect.objectContaining({ eventId: "d1-new", type: "status", status: "PENDING", outcome: "applied", repeats: 0, waitedMs: null }),
      expect.objectContaining({ eventId: "d1-run", type: "status", status: "RUNNING", outcome: "applied", repeats: 1, waitedMs: expect.any(Number) }),
      expect.objectContaining({ type: "heartbeat", attempt: 1, count: 1, firstOccurredAt: at(20), lastOccurredAt: at(20), waitedMs: expect.any(Number) }),
    ]);
    expect(timeline.items[1].waitedMs).toBeGreaterThanOrEqual(20);
    expect(timeline.items[2].waitedMs).toBeGreaterThanOrEqual(20);
    const { rows } = await pool().query(`SELECT count(*)::int AS n FROM deferred_events WHERE "orgId" = $1`, [t.orgId]);
    expect(rows[0].n).toBe(0);
    expectCountersMatchRecount(await countersAndRecount(t.orgId));
    await expectRollupsMatchRecount(t.orgId);
  });

  it("within one batch, events before the creating one wait for it and get their real outcome", async () => {
    const r = await api.postEvents(t.key, {
      events: [
        { executionId: "d2", type: "heartbeat", occurredAt: at(30) },
        { eventId: "d2-run", executionId: "d2", status: "RUNNING", occurredAt: at(10) },
        { eventId: "d2-new", executionId: "d2", workflow: "deferred.wf", status: "SCHEDULED", occurredAt: at(5) },
      ],
    });
    expect(r.body.results.map((x: { outcome: string }) => x.outcome)).toEqual(["applied", "applied", "applied"]);
    expect((await api.getExecution(t.key, "d2")).body).toMatchObject({ status: "RUNNING", scheduledAt: at(5), startedAt: at(10), lastHeartbeatAt: at(30) });
  });
});

describe("deferred events past RUNWATCH_DEFER_HOURS", () => {
  it("are dropped by the monitor's step and counted in the metrics; a fresh one stays", async () => {
    const now = new Date();
    const old = await ingestEvents({ orgId: t.orgId }, { events: [{ eventId: "dx-old", executionId: "dx", status: "RUNNING", occurredAt: at(10) }], receivedAt: new Date(now.getTime() - 25 * 3_600_000) });
    expect(old[0]!.outcome).toBe("deferred");
    await ingestEvents({ orgId: t.orgId }, { events: [{ executionId: "dx", type: "heartbeat", occurredAt: at(20) }], receivedAt: new Date(now.getTime() - 3_600_000) });
    const counted = async () => (await metrics().deferredEventsDropped.get()).values.reduce((n, v) => n + v.value, 0);
    const before = await counted();
    expect(await dropExpiredDeferredEvents(pool(), { now, maxAgeHours: 24 })).toBe(1);
    expect(await counted()).toBe(before + 1);
    await ingestEvents({ orgId: t.orgId }, { events: [{ eventId: "dx-new", executionId: "dx", workflow: "deferred.wf", status: "PENDING", occurredAt: at(0) }] });
    // the dropped RUNNING never applies; the younger heartbeat does
    expect((await api.getExecution(t.key, "dx")).body).toMatchObject({ status: "PENDING", startedAt: null, lastHeartbeatAt: at(20) });
  });
});

describe("GET /api/v1/executions/{id}/events", () => {
  it("counts repeats on the first entry, compacts heartbeats per attempt, pages by occurredAt, and answers 404 across organizations", async () => {
    await api.postEvents(t.key, { eventId: "tl-1", executionId: "tl", workflow: "tl.wf", status: "RUNNING", occurredAt: at(0) });
    for (let i = 0; i < 3; i++) await api.postEvents(t.key, { eventId: "tl-1", executionId: "tl", status: "RUNNING", occurredAt: at(0) });
    await api.postEvents(t.key, {
      events: [
        ...Array.from({ length: 50 }, (_, i) => ({ executionId: "tl", type: "heartbeat", occurredAt: at(10 + i) })),
        { eventId: "tl-hb-id", executionId: "tl", type: "heartbeat", occurredAt: at(70) },
        { eventId: "tl-hb-id", executionId: "tl", type: "heartbeat", occurredAt: at(70) },
        { executionId: "tl", type: "heartbeat", attempt: 2, occurredAt: at(200) },
        { eventId: "tl-2", executionId: "tl", status: "PENDING", attempt: 2, occurredAt: at(100) },
        { eventId: "tl-3", executionId: "tl", status: "COMPLETED", attempt: 2, occurredAt: at(300) },
        { eventId: "tl-3", executionId: "tl", status: "COMPLETED", attempt: 2, occurredAt: at(300) },
      ],
    });
    const all = (await api.events(t.key, "tl")).body;
    expect(all.items).toEqual([
      expect.objectContaining({ type: "status", eventId: "tl-1", repeats: 3, outcome: "applied" }),
      { type: "heartbeat", attempt: 1, count: 51, firstOccurredAt: at(10), lastOccurredAt: at(70), waitedMs: null },
      expect.objectContaining({ type: "status", eventId: "tl-2", repeats: 0, status: "PENDING", attempt: 2 }),
      { type: "heartbeat", attempt: 2, count: 1, firstOccurredAt: at(200), lastOccurredAt: at(200), waitedMs: null },
      expect.objectContaining({ type: "status", eventId: "tl-3", repeats: 1, status: "COMPLETED" }),
    ]);
    expect(Object.keys(all.items[0]).sort()).toEqual(
      ["attempt", "eventId", "occurredAt", "outcome", "reason", "receivedAt", "repeats", "status", "type", "waitedMs"].sort(),
    );
    // paging: two at a time gives the same items, then no cursor
    const paged: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: unknown[]; nextCursor: string | null } } = await api.events(t.key, "tl", `limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all.items);
    expect((await api.events(t.key, "tl", "limit=0")).status).toBe(400);
    expect((await api.events(t.key, "tl", "cursor=nope")).status).toBe(400);
    expect((await api.events(t.key, "tl", "color=red")).status).toBe(400);

    const other = await createTestOrg();
    const otherKey = (await createTestApiKey(other.orgId)).key;
    const foreign = await api.events(otherKey, "tl");
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(foreign.body)).not.toContain("tl-1");
    expect((await api.events(t.key, "no-such-execution")).status).toBe(404);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: any order, any split across 1–8 concurrent senders and batches, same result
// ---------------------------------------------------------------------------------------------

type Ev = Record<string, unknown>;

const ACTIVE = ["PENDING", "SCHEDULED", "RUNNING", "WAITING"] as const;
const TERMINAL = ["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"] as const;

const rawEvent = fc.record({
  kind: fc.constantFrom("status", "status", "status", "heartbeat", "heartbeat-id"),
  status: fc.constantFrom(...ACTIVE),
  attempt: fc.integer({ min: 1, max: 3 }),
  second: fc.integer({ min: 0, max: 7200 }),
  named: fc.boolean(),
  error: fc.option(fc.constantFrom("lost worker", "retrying"), { nil: undefined }),
});

const scenario = fc.record({
  events: fc.array(rawEvent, { minLength: 1, maxLength: 10 }),
  terminal: fc.option(
    fc.record({ status: fc.constantFrom(...TERMINAL), second: fc.integer({ min: 0, max: 7200 }), attempt: fc.integer({ min: 1, max: 3 }), withError: fc.boolean() }),
    { nil: null },
  ),
  duplicates: fc.array(fc.nat(), { maxLength: 3 }),
  senders: fc.integer({ min: 1, max: 8 }),
  seed: fc.integer(),
});

function build(s: typeof scenario extends fc.Arbitrary<infer T> ? T : never, executionId: string, workflow: string): Ev[] {
  const out: Ev[] = s.events.map((r, i) => {
    const base: Ev = { executionId, attempt: r.attempt, occurredAt: at(r.second) };
    if (r.kind === "heartbeat") return { ...base, type: "heartbeat" };
    if (r.kind === "heartbeat-id") return { ...base, type: "heartbeat", eventId: `${executionId}-h${i}` };
    return { ...base, eventId: `${executionId}-s${i}`, status: r.status, ...(r.named ? { workflow } : {}), ...(r.error ? { error: r.error } : {}) };
  });
  if (s.terminal) {
    out.push({
      executionId,
      eventId: `${executionId}-t`,
      status: s.terminal.status,
      attempt: s.terminal.attempt,
      occurredAt: at(s.terminal.second),
      ...(s.terminal.withError ? { error: { message: "boom", code: "E1" } } : {}),
    });
  }
  // one status event always names the workflow, so the execution is created in every order
  const firstStatus = out.find((e) => e.status !== undefined);
  if (firstStatus) firstStatus.workflow = workflow;
  else out.push({ executionId, eventId: `${executionId}-p`, status: "PENDING", workflow, occurredAt: at(0) });
  for (const d of s.duplicates) {
    const withId = out.filter((e) => e.eventId !== undefined);
    out.push({ ...withId[d % withId.length]! });
  }
  return out;
}

function shuffle<T>(items: T[], seed: number): T[] {
  const a = [...items];
  let x = seed >>> 0 || 1;
  for (let i = a.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) >>> 0;
    const j = x % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Splits events over `senders` concurrent senders, each sending its share in random batches. */
async function sendConcurrently(orgId: string, events: Ev[], senders: number, seed: number) {
  const shares: Ev[][] = Array.from({ length: senders }, () => []);
  events.forEach((e, i) => shares[((i + seed) >>> 0) % senders]!.push(e));
  await Promise.all(
    shares.map(async (share, k) => {
      let i = 0;
      while (i < share.length) {
        const size = 1 + ((seed + k + i) >>> 0) % 3;
        await ingestEvents({ orgId }, { events: share.slice(i, i + size) });
        i += size;
      }
    }),
  );
}

const without = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

/** Every field GET /api/v1/executions/{id} returns, less those that name the execution or the write time. */
const comparable = (body: Record<string, unknown>) => without(body, ["executionId", "currentExecutionId", "updatedAt", "workflow"]);

/** Timeline items less what describes arrival (outcome, reason, receivedAt, wait), ids without the execution's prefix. */
function comparableTimeline(items: Record<string, unknown>[]) {
  return items.map((it) => {
    const rest = without(it, ["receivedAt", "waitedMs", "outcome", "reason"]);
    return { ...rest, eventId: typeof it.eventId === "string" ? it.eventId.replace(/^[^-]+-[^-]+-/, "") : it.eventId };
  });
}

let run = 0;

describe("property: every arrival order and split gives the in-order result", () => {
  it("execution fields, counters and hourly rows equal those of the events sent in order by one sender", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        run++;
        const ref = `ord-${run}`;
        const shuf = `shf-${run}`;
        const inOrder = build(s, `${ref}-x`, `${ref}.wf`).sort((a, b) => String(a.occurredAt).localeCompare(String(b.occurredAt)));
        for (const e of inOrder) await ingestEvents({ orgId: t.orgId }, { events: [e] });
        await sendConcurrently(t.orgId, shuffle(build(s, `${shuf}-x`, `${shuf}.wf`), s.seed), s.senders, s.seed);

        const a = await api.getExecution(t.key, `${ref}-x`);
        const b = await api.getExecution(t.key, `${shuf}-x`);
        expect(a.status).toBe(200);
        expect(comparable(b.body)).toEqual(comparable(a.body));
        const wa = (await api.getWorkflow(t.key, `${ref}.wf`)).body;
        const wb = (await api.getWorkflow(t.key, `${shuf}.wf`)).body;
        for (const k of ["executionCount", "successCount", "failureCount", "cancelledCount"]) expect(wb[k]).toBe(wa[k]);
        expect(await hourlyRows(t.orgId, `${shuf}.wf`)).toEqual(await hourlyRows(t.orgId, `${ref}.wf`));
        // the timeline holds the same items, each once (outcomes describe arrival, so they may differ)
        const ta = (await api.events(t.key, `${ref}-x`, "limit=1000")).body.items;
        const tb = (await api.events(t.key, `${shuf}-x`, "limit=1000")).body.items;
        const byKey = (x: Record<string, unknown>) => `${String(x.type)}|${String(x.eventId ?? x.attempt)}`;
        expect(comparableTimeline(tb).sort((x, y) => byKey(x).localeCompare(byKey(y)))).toEqual(
          comparableTimeline(ta).sort((x, y) => byKey(x).localeCompare(byKey(y))),
        );
      }),
      { numRuns: Number(process.env.TRUTH_RUNS ?? 40), seed: process.env.TRUTH_SEED ? Number(process.env.TRUTH_SEED) : undefined },
    );
    expectCountersMatchRecount(await countersAndRecount(t.orgId));
    await expectRollupsMatchRecount(t.orgId);
    const { rows } = await pool().query(`SELECT count(*)::int AS n FROM deferred_events WHERE "orgId" = $1`, [t.orgId]);
    expect(rows[0].n).toBe(0);
  }, 600_000);
});
