// Racing writers against real PostgreSQL: one winner per terminal transition, counters that
// move once, and results that do not depend on the order or the split of the senders.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../server/db/client";
import { ingestEvents } from "../../server/ingest/service";
import { STATUSES, isTerminal, RANK, type Status } from "../../server/executions/status";
import { createTestApiKey, createTestOrg } from "../setup/helpers";
import { api, countersAndRecount, expectCountersMatchRecount } from "./api-helpers";
import { expectRollupsMatchRecount } from "./rollup-helpers";

// enough connections for the senders to really overlap (embedded PGlite serves one session,
// so there the pool stays at one connection and the senders take turns)
if (!process.env.RUNWATCH_EMBEDDED_DB) process.env.RUNWATCH_DB_POOL_SIZE = "10";

let t: { orgId: string; key: string };
beforeAll(async () => {
  const org = await createTestOrg();
  t = { orgId: org.orgId, key: (await createTestApiKey(org.orgId)).key };
});

const TERMINALS = STATUSES.filter(isTerminal);

describe("50 concurrent writers completing one execution", () => {
  it("through PUT …/status: exactly one wins, every other answer says so, counters move once", async () => {
    await api.postEvents(t.key, { eventId: "race-put-0", executionId: "race-put", workflow: "race.put", status: "RUNNING" });
    const statuses = Array.from({ length: 50 }, (_, i) => TERMINALS[i % TERMINALS.length]!);
    const answers = await Promise.all(statuses.map((status) => api.putStatus(t.key, "race-put", { status })));

    const winners = answers.filter((a) => a.status === 200 && a.body.outcome === "applied");
    expect(winners).toHaveLength(1);
    const final = winners[0]!.body.status as Status;
    for (const a of answers) {
      if (a === winners[0]) continue;
      if (a.status === 200) expect(a.body).toMatchObject({ outcome: "duplicate", status: final });
      else expect(a).toMatchObject({ status: 409, body: { currentStatus: final } });
    }
    expect(answers.filter((a) => a.status === 409)).toHaveLength(statuses.filter((s) => s !== final).length);
    const wf = (await api.getWorkflow(t.key, "race.put")).body;
    expect(wf.successCount + wf.failureCount + wf.cancelledCount).toBe(final === "CONTINUED_AS_NEW" ? 0 : 1);
    expectCountersMatchRecount(await countersAndRecount(t.orgId));
    await expectRollupsMatchRecount(t.orgId);
  });

  it("through POST /events: exactly one applied, the rest rejected or duplicate", async () => {
    await api.postEvents(t.key, { eventId: "race-ev-0", executionId: "race-ev", workflow: "race.ev", status: "SCHEDULED" });
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => api.postEvents(t.key, { eventId: `race-ev-${i + 1}`, executionId: "race-ev", status: ["COMPLETED", "FAILED", "CANCELLED"][i % 3] })),
    );
    const outcomes = answers.map((a) => a.body.results[0].outcome as string);
    expect(outcomes.filter((o) => o === "applied")).toHaveLength(1);
    expect(outcomes.every((o) => ["applied", "rejected", "duplicate"].includes(o))).toBe(true);
    const finals = new Set(answers.map((a) => a.body.results[0].status));
    expect(finals.size).toBe(1);
    expectCountersMatchRecount(await countersAndRecount(t.orgId));
    await expectRollupsMatchRecount(t.orgId);
  });

  it("through concurrent transactions of the ingestion service: exactly one applied", async () => {
    await ingestEvents({ orgId: t.orgId }, { events: [{ eventId: "race-tx-0", executionId: "race-tx", workflow: "race.tx", status: "RUNNING" }] });
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        ingestEvents({ orgId: t.orgId }, { events: [{ eventId: `race-tx-${i + 1}`, executionId: "race-tx", status: ["COMPLETED", "FAILED", "TIMED_OUT"][i % 3] }] }),
      ),
    );
    const outcomes = answers.map((a) => a[0]!.outcome);
    expect(outcomes.filter((o) => o === "applied")).toHaveLength(1);
    expect(new Set(answers.map((a) => a[0]!.status)).size).toBe(1);
    expectCountersMatchRecount(await countersAndRecount(t.orgId));
    await expectRollupsMatchRecount(t.orgId);
  });

  it("50 concurrent first events of one new execution create it once", async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => api.postEvents(t.key, { eventId: `create-${i}`, executionId: "create-race", workflow: "race.create", status: "PENDING" })),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect((await api.getWorkflow(t.key, "race.create")).body.executionCount).toBe(1);
  });
});

describe("concurrent batches finishing executions of the same workflows", () => {
  it("never deadlock: hourly buckets and workflow counters are locked in one order", async () => {
    const { metrics } = await import("../../server/metrics/prometheus");
    const deadlocks = async () => (await metrics().transactionRetries.get()).values.find((v) => v.labels.reason === "deadlock")?.value ?? 0;
    const before = await deadlocks();
    const workflows = ["lock.a", "lock.b", "lock.c", "lock.d", "lock.e"];
    const hour = Date.now() - 3_600_000;
    // each sender finishes executions of every workflow, in its own (rotated) order
    const batches = Array.from({ length: 8 }, (_, sender) => ({
      events: Array.from({ length: 150 }, (_, i) => {
        const wf = workflows[(i + sender) % workflows.length]!;
        return {
          eventId: `lock-${sender}-${i}`,
          executionId: `lock-${sender}-${i}`,
          workflow: wf,
          status: ["COMPLETED", "FAILED", "CANCELLED"][(i + sender) % 3],
          occurredAt: new Date(hour + ((i * 7 + sender) % 3) * 1_200_000).toISOString(),
        };
      }).reverse(),
    }));
    // the service itself, not the HTTP route, whose group commit would merge the batches
    const answers = await Promise.all(batches.map((b) => ingestEvents({ orgId: t.orgId }, { events: b.events })));
    expect(answers.flat().every((r) => r.outcome === "applied")).toBe(true);
    expect(await deadlocks()).toBe(before);
    expectCountersMatchRecount(await countersAndRecount(t.orgId));
    await expectRollupsMatchRecount(t.orgId);
    const { rows } = await pool().query(
      `SELECT (SELECT coalesce(sum(count), 0)::int FROM execution_hourly h JOIN workflows w ON w."orgId" = h."orgId" AND w.id = h."workflowId"
                WHERE h."orgId" = $1 AND w.key LIKE 'lock.%') AS hourly,
              (SELECT count(*)::int FROM executions e JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
                WHERE e."orgId" = $1 AND w.key LIKE 'lock.%' AND e."completedAt" IS NOT NULL) AS finished`,
      [t.orgId],
    );
    expect(rows[0].hourly).toBe(1200);
    expect(rows[0].finished).toBe(1200);
  });
});

// One execution's events: statuses with attempts, some duplicated (same eventId sent twice).
const eventsArb = fc
  .record({
    actives: fc.array(fc.record({ status: fc.constantFrom<Status>("PENDING", "SCHEDULED", "RUNNING", "WAITING"), attempt: fc.integer({ min: 1, max: 2 }) }), {
      minLength: 1,
      maxLength: 6,
    }),
    terminal: fc.option(fc.constantFrom(...TERMINALS), { nil: undefined }),
    terminalCopies: fc.integer({ min: 1, max: 3 }),
    duplicates: fc.array(fc.nat(), { maxLength: 3 }),
  })
  .map(({ actives, terminal, terminalCopies, duplicates }) => {
    const events: Array<{ eventId: string; status: Status; attempt: number }> = actives.map((a, i) => ({ eventId: `a${i}`, ...a }));
    if (terminal) for (let c = 0; c < terminalCopies; c++) events.push({ eventId: `t${c}`, status: terminal, attempt: 1 });
    for (const d of duplicates) events.push({ ...events[d % events.length]! });
    return { events, terminal };
  });

let run = 0;

async function replay(events: Array<{ eventId: string; status: Status; attempt: number }>, order: number[], senders: number) {
  const executionId = `prop-${run}`;
  const workflow = `prop.wf.${run++}`;
  // the first event names the workflow; where it lands in the order is part of the test
  const payload = order.map((i) => ({ ...events[i]!, eventId: `${executionId}-${events[i]!.eventId}`, executionId, workflow }));
  const lanes: (typeof payload)[] = Array.from({ length: senders }, () => []);
  payload.forEach((e, i) => lanes[i % senders]!.push(e));
  await Promise.all(
    lanes.map(async (lane) => {
      // each sender is its own transaction stream (the service, not the route's group commit)
      for (const e of lane) {
        const [res] = await ingestEvents({ orgId: t.orgId }, { events: [e] });
        expect(res!.outcome).not.toBe("invalid");
      }
    }),
  );
  const { rows: timeline } = await pool().query(
    `SELECT status, outcome, repeats FROM execution_events WHERE "orgId" = $1 AND "executionId" = $2 ORDER BY id`,
    [t.orgId, executionId],
  );
  const execution = (await api.getExecution(t.key, executionId)).body;
  return { execution, timeline: timeline as Array<{ status: Status; outcome: string; repeats: number }> };
}

describe("property: any order, any split across concurrent senders", () => {
  it("never changes a terminal status, agrees across orders, and keeps counters equal to a recount", async () => {
    await fc.assert(
      fc.asyncProperty(
        eventsArb,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.infiniteStream(fc.nat()),
        async ({ events, terminal }, sendersA, sendersB, randomness) => {
          const shuffle = () => {
            const idx = events.map((_, i) => i);
            for (let i = idx.length - 1; i > 0; i--) {
              const j = randomness.next().value % (i + 1);
              [idx[i], idx[j]] = [idx[j]!, idx[i]!];
            }
            return idx;
          };
          const a = await replay(events, shuffle(), sendersA);
          const b = await replay(events, shuffle(), sendersB);
          for (const r of [a, b]) {
            // after the first applied terminal, nothing else is applied
            const firstTerminal = r.timeline.findIndex((e) => e.outcome === "APPLIED" && isTerminal(e.status));
            if (firstTerminal >= 0) expect(r.timeline.slice(firstTerminal + 1).some((e) => e.outcome === "APPLIED")).toBe(false);
            // every eventId was recorded once, whatever its outcome, and its repeats counted on it (rule 4)
            const distinct = new Set(events.map((e) => e.eventId)).size;
            expect(r.timeline).toHaveLength(distinct);
            expect(r.timeline.reduce((n, e) => n + e.repeats, 0)).toBe(events.length - distinct);
          }
          if (terminal) {
            expect(a.execution.status).toBe(terminal);
            expect(b.execution.status).toBe(terminal);
          } else {
            const maxAttempt = Math.max(...events.map((e) => e.attempt));
            const maxRank = Math.max(...events.filter((e) => e.attempt === maxAttempt).map((e) => RANK[e.status]));
            for (const r of [a, b]) {
              expect(r.execution.attempt).toBe(maxAttempt);
              expect(RANK[r.execution.status as Status]).toBe(maxRank);
            }
          }
          expectCountersMatchRecount(await countersAndRecount(t.orgId));
          await expectRollupsMatchRecount(t.orgId);
        },
      ),
      { numRuns: 25 },
    );
  });
});
