// Exact counters, list counts and charts against a recount from the executions, on randomized
// histories (late events that move createdAt and durations included), for ragged ranges, open
// ends and the presets. Data comes in through the ingestion service, as from an engine.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { bucketIndex } from "../../server/aggregates/buckets";
import { getExecutionCharts } from "../../server/aggregates/charts";
import { PRESET_MS, RANGE_PRESETS } from "../../server/executions/filters";
import { countExecutions, getCounters } from "../../server/aggregates/counters";
import { countExecutionsCapped } from "../../server/executions/read";
import { pool } from "../../server/db/client";
import { isTerminal, STATUSES, type Status } from "../../server/executions/status";
import { ingestEvents } from "../../server/ingest/service";
import { createTestOrg } from "../setup/helpers";
import { expectRollupsMatchRecount } from "./rollup-helpers";
import { filterOf } from "../setup/filters";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WORKFLOWS = ["a.one", "b.two", "c.three"];
const FINAL: Status[] = ["COMPLETED", "COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED", "CONTINUED_AS_NEW", "RUNNING", "WAITING", "SCHEDULED", "PENDING"];

type Row = { executionId: string; status: Status; workflow: string; createdAt: number; completedAt: number | null; stuck: boolean };
let org: { orgId: string };
let rows: Row[];

beforeAll(async () => {
  org = await createTestOrg();
  const now = Date.now();
  // a seeded generator, so a failure can be replayed
  const rnd = fc.sample(fc.integer({ min: 0, max: 2 ** 30 }), { numRuns: 4000, seed: 15 });
  let k = 0;
  const next = (n: number) => rnd[k++ % rnd.length]! % n;
  const main: unknown[] = [];
  const late: unknown[] = [];
  for (let i = 0; i < 400; i++) {
    const x = `x-${i}`;
    const t = now - next(12 * DAY) - 60_000;
    const fate = FINAL[next(FINAL.length)]!;
    const iso = (ms: number) => new Date(ms).toISOString();
    main.push({ eventId: `${x}-p`, executionId: x, workflow: WORKFLOWS[next(3)], status: "PENDING", occurredAt: iso(t) });
    if (fate === "PENDING") continue;
    if (fate === "SCHEDULED") {
      main.push({ eventId: `${x}-s`, executionId: x, status: "SCHEDULED", occurredAt: iso(t + 1000) });
      continue;
    }
    // the RUNNING of every third execution arrives after its terminal event: the duration moves
    (i % 3 === 0 ? late : main).push({ eventId: `${x}-r`, executionId: x, status: "RUNNING", occurredAt: iso(t + 2000) });
    if (fate === "RUNNING") continue;
    if (fate === "WAITING") main.push({ eventId: `${x}-w`, executionId: x, status: "WAITING", occurredAt: iso(t + 3000) });
    else main.push({ eventId: `${x}-t`, executionId: x, status: fate, occurredAt: iso(Math.min(now, t + 2000 + next(3 * HOUR))) });
    // every fifth gets an earlier event late: createdAt moves back, possibly across hours and days
    if (i % 5 === 0) late.push({ eventId: `${x}-e`, executionId: x, status: "PENDING", occurredAt: iso(t - next(2 * DAY)) });
  }
  // recent active executions, so the stuck counts meet ones not stuck (yet): running with a sign
  // of life minutes ago, scheduled a minute or more ago, on either side of the thresholds
  for (let i = 0; i < 60; i++) {
    const x = `y-${i}`;
    const t = now - next(50 * 60_000) - 1000;
    const iso = (ms: number) => new Date(ms).toISOString();
    main.push({ eventId: `${x}-p`, executionId: x, workflow: WORKFLOWS[next(3)], status: "PENDING", occurredAt: iso(t) });
    main.push({ eventId: `${x}-s`, executionId: x, status: i % 2 ? "SCHEDULED" : "RUNNING", occurredAt: iso(t + 500) });
  }
  for (const batch of [main, late]) {
    for (let i = 0; i < batch.length; i += 200) {
      const results = await ingestEvents({ orgId: org.orgId }, { events: batch.slice(i, i + 200) });
      expect(results.filter((r) => r.outcome === "invalid")).toEqual([]);
    }
  }
  // one workflow's own running threshold, below the organization's: stuck sooner than the others
  await pool().query(`UPDATE workflows SET "stuckRunningAfterSeconds" = 900 WHERE "orgId" = $1 AND key = 'c.three'`, [org.orgId]);
  const { rows: stored } = await pool().query<{ executionId: string; status: Status; workflow: string; createdAt: Date; completedAt: Date | null; stuck: boolean }>(
    `SELECT e."executionId", e.status, w.key AS workflow, e."createdAt", e."completedAt",
            (e.status = 'SCHEDULED' AND e."statusChangedAt" < now() - interval '300 seconds')
              OR (e.status = 'RUNNING' AND GREATEST(e."startedAt", e."lastHeartbeatAt", e."lastEventAt") < now() - make_interval(secs => CASE w.key WHEN 'c.three' THEN 900 ELSE 1800 END)) AS stuck
       FROM executions e JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId" WHERE e."orgId" = $1`,
    [org.orgId],
  );
  rows = stored.map((r) => ({ ...r, createdAt: r.createdAt.getTime(), completedAt: r.completedAt?.getTime() ?? null }));
  expect(rows).toHaveLength(460);
  // the stuck counts below meet both kinds
  expect(rows.filter((r) => (r.status === "RUNNING" || r.status === "SCHEDULED") && !r.stuck).length).toBeGreaterThan(5);
  expect(rows.filter((r) => r.stuck && r.createdAt > now - HOUR).length).toBeGreaterThan(5);
});

function recount(f: { from?: Date; to?: Date; workflows?: string[]; statuses?: Status[]; stuck?: boolean }) {
  const by = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  let stuck = 0;
  for (const r of rows) {
    if (f.from && r.createdAt < f.from.getTime()) continue;
    if (f.to && r.createdAt >= f.to.getTime()) continue;
    if (f.workflows?.length && !f.workflows.includes(r.workflow)) continue;
    if (f.statuses?.length && !f.statuses.includes(r.status)) continue;
    if (f.stuck && !r.stuck) continue;
    by[r.status]++;
    if (r.stuck) stuck++;
  }
  return { by, stuck, total: STATUSES.reduce((n, s) => n + by[s], 0) };
}

describe("exact counts on randomized histories", () => {
  it("keeps every rollup equal to a recount after late events", async () => {
    await expectRollupsMatchRecount(org.orgId);
  });

  it("counters and list counts equal a recount for ragged ranges, open ends, workflows, statuses and stuck", async () => {
    const now = Date.now();
    const instant = fc.integer({ min: now - 15 * DAY, max: now + HOUR });
    const filtersArb = fc.record(
      {
        from: instant.map((t) => new Date(t)),
        to: instant.map((t) => new Date(t)),
        workflows: fc.subarray(WORKFLOWS, { minLength: 1 }),
        statuses: fc.subarray([...STATUSES], { minLength: 1 }),
        stuck: fc.constant(true),
      },
      { requiredKeys: [] },
    ).filter((f) => !f.from || !f.to || f.from < f.to);
    await fc.assert(
      fc.asyncProperty(filtersArb, async (f) => {
        const want = recount(f);
        const c = await getCounters({ orgId: org.orgId }, { filter: filterOf(f) });
        expect(c.source).toBe("aggregates");
        expect({ total: c.total.count, failed: c.failed.count, completed: c.completed.count, timedOut: c.timedOut.count, running: c.running.count, stuck: c.stuck.count }).toEqual({
          total: want.total,
          failed: want.by.FAILED,
          completed: want.by.COMPLETED,
          timedOut: want.by.TIMED_OUT,
          running: want.by.RUNNING,
          stuck: want.stuck,
        });
        expect(c.total.capped).toBe(false);
        expect(await countExecutions({ orgId: org.orgId }, { filter: filterOf(f) })).toMatchObject({ count: want.total, capped: false });
      }),
      { numRuns: 60, seed: 15 },
    );
  });

  // the id prefix is one of the filters the aggregates cannot answer: a capped count of the
  // executions themselves, read in no particular order (server/executions/list-sql.ts countSql)
  it("capped counts of an id prefix, alone or with statuses and workflows, equal a recount up to the cap", async () => {
    // another organization with the same ids: its executions never count here, nor ours there
    const other = await createTestOrg();
    const events = Array.from({ length: 30 }, (_, i) => ({ eventId: `o-${i}`, executionId: `x-${i}`, workflow: WORKFLOWS[0], status: "FAILED", occurredAt: new Date().toISOString() }));
    expect((await ingestEvents({ orgId: other.orgId }, { events })).filter((r) => r.outcome !== "applied")).toEqual([]);
    expect(await countExecutionsCapped({ orgId: other.orgId }, { executionId: { value: "x-", mode: "prefix" } })).toEqual({ count: 30, capped: false });
    const arb = fc.record({
      prefix: fc.constantFrom("x-", "x-1", "x-2", "x-33", "y-", "y-1", "z-"),
      statuses: fc.option(fc.subarray([...STATUSES], { minLength: 1 }), { nil: undefined }),
      workflows: fc.option(fc.subarray(WORKFLOWS, { minLength: 1 }), { nil: undefined }),
      cap: fc.constantFrom(5, 40, 10_000),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ prefix, statuses, workflows, cap }) => {
        const all = rows.filter(
          (r) => r.executionId.startsWith(prefix) && (!statuses || statuses.includes(r.status)) && (!workflows || workflows.includes(r.workflow)),
        ).length;
        const filter = { ...filterOf({ statuses, workflows }), executionId: { value: prefix, mode: "prefix" as const } };
        expect(await countExecutionsCapped({ orgId: org.orgId }, filter, { cap })).toEqual({ count: Math.min(all, cap), capped: all > cap });
      }),
      { numRuns: 40, seed: 15 },
    );
  });

  it.each(RANGE_PRESETS)("preset %s: exact numbers and a success rate", async (preset) => {
    const from = new Date(Date.now() - PRESET_MS[preset]);
    const want = recount({ from });
    const c = await getCounters({ orgId: org.orgId }, { filter: filterOf({ from }) });
    expect(c.total).toMatchObject({ count: want.total, capped: false });
    const finished = want.by.COMPLETED + want.by.FAILED + want.by.TIMED_OUT;
    if (finished) expect(c.successRate).toBeCloseTo(want.by.COMPLETED / finished, 10);
    else expect(c.successRate).toBeNull();
  });
});

describe("charts on randomized histories", () => {
  it.each([
    ["24 h", DAY],
    ["7 d", 7 * DAY],
    ["30 d", 30 * DAY],
    ["90 d", 90 * DAY],
  ])("%s: every bucket equals a recount (terminal by completion, active by creation)", async (_label, range) => {
    const now = new Date();
    const chart = await getExecutionCharts({ orgId: org.orgId }, { from: new Date(now.getTime() - range) }, now);
    expect(chart.points.length).toBeLessThanOrEqual(2000);
    const want = new Map<number, Record<Status, number>>();
    for (const r of rows) {
      const t = isTerminal(r.status) ? r.completedAt : r.createdAt;
      if (t === null || t < chart.from.getTime() || t >= chart.to.getTime()) continue;
      const b = bucketIndex(t, chart.bucketMs);
      const counts = want.get(b) ?? (Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>);
      counts[r.status]++;
      want.set(b, counts);
    }
    let seen = 0;
    for (const p of chart.points) {
      const w = want.get(bucketIndex(p.start.getTime(), chart.bucketMs));
      expect(p.counts).toEqual(w ?? Object.fromEntries(STATUSES.map((s) => [s, 0])));
      seen += p.total;
    }
    expect(seen).toBe([...want.values()].reduce((n, c) => n + STATUSES.reduce((m, s) => m + c[s], 0), 0));
    expect(seen).toBeGreaterThan(0);
    const activeInRange = rows.filter((r) => !isTerminal(r.status) && r.createdAt >= chart.from.getTime() && r.createdAt < chart.to.getTime());
    expect(chart.active.stuck).toBe(activeInRange.filter((r) => r.stuck).length);
    // with the stuck filter: only the stuck ones, bucket by bucket
    const stuckChart = await getExecutionCharts({ orgId: org.orgId }, { from: new Date(now.getTime() - range), stuck: true }, now);
    const stuckWant = new Map<number, number>();
    for (const r of activeInRange.filter((r) => r.stuck)) stuckWant.set(bucketIndex(r.createdAt, stuckChart.bucketMs), (stuckWant.get(bucketIndex(r.createdAt, stuckChart.bucketMs)) ?? 0) + 1);
    for (const p of stuckChart.points) expect(p.total).toBe(stuckWant.get(bucketIndex(p.start.getTime(), stuckChart.bucketMs)) ?? 0);
    expect(stuckChart.active.stuck).toBe(activeInRange.filter((r) => r.stuck).length);
  });
});
