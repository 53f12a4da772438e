// The dashboard's service functions against real PostgreSQL: list filters and paging, capped
// counts, counters, charts, execution detail, workflows overview, and isolation between
// organizations. Data comes in through the ingestion service, as from an engine.
import { beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "../../server/audit/service";
import { getExecutionCharts } from "../../server/aggregates/charts";
import { getExecutionDetail, listExecutionEvents } from "../../server/executions/detail";
import type { FilterUrlStateInput } from "../../server/executions/filters";
import { filterOf } from "../setup/filters";
import { countExecutions, countNewExecutions, getCounters } from "../../server/aggregates/counters";
import { listExecutionRows, refreshExecutionRows, type ExecutionListRow } from "../../server/executions/list";
import { getWorkflowCharts, getWorkflowSummary, listWorkflowSummaries } from "../../server/workflows/summary";
import { pool } from "../../server/db/client";
import { listExecutions } from "../../server/executions/read";
import { STATUSES, type Status } from "../../server/executions/status";
import { ingestEvents } from "../../server/ingest/service";
import { createTestOrg } from "../setup/helpers";

const HOUR = 3_600_000;
const WORKFLOWS = ["billing.charge", "email.send", "report.build"];
// statuses of a seeded execution, by i % 8
const FATES: Status[] = ["COMPLETED", "COMPLETED", "FAILED", "RUNNING", "WAITING", "TIMED_OUT", "CANCELLED", "SCHEDULED"];

let seq = 0;
const uid = (p: string) => `${p}-${Date.now().toString(36)}-${seq++}`;

/** n executions over the past `spanHours`, created oldest first; returns their ids by index. */
async function seed(orgId: string, n: number, opts: { prefix?: string; spanHours?: number; endAgoMs?: number } = {}) {
  const prefix = opts.prefix ?? uid("ex");
  const end = Date.now() - (opts.endAgoMs ?? 10 * 60_000);
  const start = end - (opts.spanHours ?? 6) * HOUR;
  const events: unknown[] = [];
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = `${prefix}-${String(i).padStart(5, "0")}`;
    ids.push(x);
    const t = start + Math.floor(((end - start) * i) / n);
    const fate = FATES[i % FATES.length]!;
    const at = (ms: number) => new Date(t + ms).toISOString();
    events.push({
      eventId: `${x}-a`,
      executionId: x,
      workflow: WORKFLOWS[i % 3],
      status: "PENDING",
      occurredAt: at(0),
      metadata: { env: i % 2 ? "prod" : "staging", tenant: `t${i % 5}` },
      input: { big: "x".repeat(2000) },
    });
    if (fate === "SCHEDULED") {
      events.push({ eventId: `${x}-b`, executionId: x, status: "SCHEDULED", occurredAt: at(100) });
      continue;
    }
    events.push({ eventId: `${x}-b`, executionId: x, status: "RUNNING", occurredAt: at(200) });
    if (fate === "WAITING") events.push({ eventId: `${x}-c`, executionId: x, status: "WAITING", occurredAt: at(300) });
    else if (fate !== "RUNNING")
      events.push({ eventId: `${x}-c`, executionId: x, status: fate, occurredAt: at(200 + 1000 * (1 + (i % 13))), ...(fate === "FAILED" ? { error: { message: "boom", stack: "at x" } } : {}), output: { ok: fate === "COMPLETED" } });
  }
  for (let i = 0; i < events.length; i += 500) {
    const results = await ingestEvents({ orgId }, { events: events.slice(i, i + 500) });
    expect(results.filter((r) => r.outcome !== "applied")).toEqual([]);
  }
  return ids;
}

const q = async <T extends object>(sql: string, values: unknown[]) => (await pool().query<T>(sql, values)).rows;

/** Direct recount over executions, with the list's meaning of each filter. */
async function recount(orgId: string, where: string, values: unknown[] = []) {
  const rows = await q<{ status: Status; n: number; stuck: number }>(
    `SELECT e.status, count(*)::int AS n,
            count(*) FILTER (WHERE (e.status = 'SCHEDULED' AND e."statusChangedAt" < now() - interval '300 seconds')
                              OR (e.status = 'RUNNING' AND GREATEST(e."startedAt", e."lastHeartbeatAt", e."lastEventAt") < now() - interval '1800 seconds'))::int AS stuck
       FROM executions e JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
      WHERE e."orgId" = $1 ${where ? `AND ${where}` : ""} GROUP BY e.status`,
    [orgId, ...values],
  );
  const by = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  let stuck = 0;
  for (const r of rows) {
    by[r.status] = r.n;
    stuck += r.stuck;
  }
  return { by, stuck, total: Object.values(by).reduce((a, b) => a + b, 0) };
}

async function allPages(orgId: string, filters: FilterUrlStateInput, limit: number) {
  const seen: ExecutionListRow[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await listExecutionRows({ orgId }, { filter: filterOf(filters), limit, cursor });
    seen.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor && pages < 1000);
  return seen;
}


/** Every status tile, stuck and the total of the header equal a recount from executions. */
function expectTilesToEqual(c: Awaited<ReturnType<typeof getCounters>>, r: Awaited<ReturnType<typeof recount>>) {
  expect(c.total.count).toBe(r.total);
  for (const [tile, status] of [["completed", "COMPLETED"], ["failed", "FAILED"], ["timedOut", "TIMED_OUT"], ["cancelled", "CANCELLED"], ["running", "RUNNING"], ["waiting", "WAITING"], ["scheduled", "SCHEDULED"]] as const) {
    expect(c[tile].count, tile).toBe(r.by[status]);
  }
  expect(c.stuck.count).toBe(r.stuck);
}

describe("executions list", () => {
  let org: { orgId: string };
  let ids: string[];
  beforeAll(async () => {
    org = await createTestOrg();
    ids = await seed(org.orgId, 160, { prefix: "ord" });
  });

  it("returns light rows newest first, without input, output, error or metadata", async () => {
    const page = await listExecutionRows({ orgId: org.orgId }, { limit: 5 });
    expect(page.items).toHaveLength(5);
    expect(page.items.map((r) => r.executionId)).toEqual(ids.slice(-5).reverse());
    expect(Object.keys(page.items[0]!).sort()).toEqual(
      ["attempt", "completedAt", "createdAt", "durationMs", "executionId", "scheduledAt", "startedAt", "status", "stuckReason", "stuckSince", "updatedAt", "workflow"].sort(),
    );
    expect(JSON.stringify(page)).not.toContain("xxxxxxxx");
  });

  it("matches a direct query for each filter and for filters combined", async () => {
    const from = new Date(Date.now() - 4 * HOUR);
    const cases: { filters: FilterUrlStateInput; where: string; values: unknown[] }[] = [
      { filters: { statuses: ["FAILED", "TIMED_OUT"] }, where: `e.status IN ('FAILED', 'TIMED_OUT')`, values: [] },
      { filters: { statuses: ["COMPLETED"], statusMode: "exclude" }, where: `e.status <> 'COMPLETED'`, values: [] },
      { filters: { workflows: ["billing.charge", "report.build"] }, where: `w.key IN ('billing.charge', 'report.build')`, values: [] },
      { filters: { from }, where: `e."createdAt" >= $2`, values: [from] },
      { filters: { metadata: [{ key: "env", value: "prod" }] }, where: `e.metadata->>'env' = 'prod'`, values: [] },
      { filters: { search: "ord-0001" }, where: `e."executionId" LIKE 'ord-0001%'`, values: [] },
      { filters: { search: "ord-00012", searchMode: "exact" }, where: `e."executionId" = 'ord-00012'`, values: [] },
      {
        filters: { statuses: ["FAILED", "COMPLETED", "RUNNING"], workflows: ["billing.charge", "email.send"], from, metadata: [{ key: "env", value: "prod" }] },
        where: `e.status IN ('FAILED', 'COMPLETED', 'RUNNING') AND w.key IN ('billing.charge', 'email.send') AND e."createdAt" >= $2 AND e.metadata @> '{"env":"prod"}'`,
        values: [from],
      },
      { filters: { statuses: ["COMPLETED", "CANCELLED"], statusMode: "exclude", workflows: ["email.send"], search: "ord-00" }, where: `e.status NOT IN ('COMPLETED', 'CANCELLED') AND w.key = 'email.send' AND e."executionId" LIKE 'ord-00%'`, values: [] },
      { filters: { metadata: [{ key: "env", value: "prod" }, { key: "env", value: "staging" }] }, where: `false`, values: [] },
      { filters: { workflows: ["no-such-workflow"] }, where: `false`, values: [] },
    ];
    for (const c of cases) {
      const expected = await q<{ executionId: string }>(
        `SELECT e."executionId" FROM executions e JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
          WHERE e."orgId" = $1 AND ${c.where} ORDER BY e."createdAt" DESC, e.id DESC`,
        [org.orgId, ...c.values],
      );
      const got = await allPages(org.orgId, c.filters, 7);
      expect(got.map((r) => r.executionId), JSON.stringify(c.filters)).toEqual(expected.map((r) => r.executionId));
      const count = await countExecutions({ orgId: org.orgId }, { filter: filterOf(c.filters) });
      expect(count).toEqual({ count: expected.length, capped: false, display: String(expected.length) });
    }
  });

  it("stuck only lists exactly what the REST API reports as stuck, with reason and age", async () => {
    const recent = uid("fresh");
    await ingestEvents({ orgId: org.orgId }, { events: [{ eventId: `${recent}-a`, executionId: recent, workflow: "email.send", status: "RUNNING" }] });
    const got = await allPages(org.orgId, { stuck: true }, 10);
    const rest = await listExecutions({ orgId: org.orgId }, { stuck: true }, { limit: 500, cursor: null });
    expect(got.map((r) => r.executionId)).toEqual(rest.items.map((r) => r.executionId));
    expect(got.length).toBeGreaterThan(0);
    expect(got.map((r) => r.executionId)).not.toContain(recent);
    for (const r of got) {
      expect(r.stuckReason).toBe(r.status === "SCHEDULED" ? "scheduled" : "running");
      expect(r.stuckSince).toBeInstanceOf(Date);
    }
    expect(new Set(got.map((r) => r.status))).toEqual(new Set(["SCHEDULED", "RUNNING"]));
  });

  it("pages through more than three pages while executions arrive: nothing repeated, nothing lost", async () => {
    const o = await createTestOrg();
    const before = await seed(o.orgId, 100, { prefix: "pg" });
    const seen: string[] = [];
    let cursor: string | undefined;
    let snapshotId: string | null = null;
    let pages = 0;
    const arrived: string[] = [];
    do {
      const page = await listExecutionRows({ orgId: o.orgId }, { limit: 9, cursor });
      snapshotId ??= page.snapshotId;
      expect(page.snapshotId).toBe(snapshotId);
      seen.push(...page.items.map((r) => r.executionId));
      cursor = page.nextCursor ?? undefined;
      pages++;
      // between pages: new executions, some newer than everything, some in the middle of the
      // range (late reports), and status changes of rows already shown
      const fresh = uid("new");
      const late = uid("late");
      arrived.push(fresh, late);
      await ingestEvents({ orgId: o.orgId }, { events: [
        { eventId: `${fresh}-a`, executionId: fresh, workflow: "billing.charge", status: "RUNNING" },
        { eventId: `${late}-a`, executionId: late, workflow: "billing.charge", status: "PENDING", occurredAt: new Date(Date.now() - 3 * HOUR).toISOString() },
        { eventId: uid("chg"), executionId: before[pages * 3]!, status: "CANCELLED" },
      ] });
    } while (cursor);
    expect(pages).toBeGreaterThan(3);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual([...before].sort());

    const news = await countNewExecutions({ orgId: o.orgId }, { snapshotId: snapshotId! });
    expect(news.count).toBe(arrived.length);
    const newsFiltered = await countNewExecutions({ orgId: o.orgId }, { snapshotId: snapshotId!, filter: filterOf({ statuses: ["RUNNING"] }) });
    expect(newsFiltered.count).toBe(arrived.length / 2);
    // "show": a new first page has them
    const first = await allPages(o.orgId, {}, 50);
    expect(first.map((r) => r.executionId)).toEqual(expect.arrayContaining(arrived));
  });

  it("rejects a cursor that is not one of ours", async () => {
    await expect(listExecutionRows({ orgId: org.orgId }, { cursor: "bm9wZQ" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("refreshes the rows on screen", async () => {
    const x = ids[3]!; // RUNNING
    await ingestEvents({ orgId: org.orgId }, { events: [{ eventId: uid("done"), executionId: x, status: "COMPLETED" }] });
    const rows = await refreshExecutionRows({ orgId: org.orgId }, { executionIds: [x, ids[4]!] });
    expect(rows.find((r) => r.executionId === x)?.status).toBe("COMPLETED");
    expect(rows).toHaveLength(2);
  });
});

describe("capped count", () => {
  it("is exact up to 10,000 and then says 10,000+", async () => {
    const o = await createTestOrg();
    const [wf] = await q<{ id: string }>(`INSERT INTO workflows ("orgId", key, name) VALUES ($1, 'bulk', 'bulk') RETURNING id`, [o.orgId]);
    const insert = (from: number, to: number) =>
      pool().query(
        `INSERT INTO executions ("orgId", "executionId", "workflowId", status, "statusChangedAt", "createdAt", "lastEventAt", "completedAt", "durationMs")
         SELECT $1, 'bulk-' || g, $2, 'COMPLETED', t, t, t, t, 10
           FROM generate_series($3::int, $4::int) g, LATERAL (SELECT now() - g * interval '1 second' AS t) x`,
        [o.orgId, wf!.id, from, to],
      );
    // an id search is what the aggregates cannot answer: it is counted from the rows, up to the cap
    const search = { search: "bulk-", searchMode: "prefix" } as const;
    await insert(1, 10_000);
    expect(await countExecutions({ orgId: o.orgId }, { filter: filterOf(search) })).toEqual({ count: 10_000, capped: false, display: "10,000" });
    await insert(10_001, 10_050);
    expect(await countExecutions({ orgId: o.orgId }, { filter: filterOf(search) })).toEqual({ count: 10_000, capped: true, display: "10,000+" });
    expect((await countExecutions({ orgId: o.orgId }, { filter: filterOf({ ...search, statuses: ["FAILED"] }) })).count).toBe(0);
    const counters = await getCounters({ orgId: o.orgId }, { filter: filterOf({ ...search, statuses: ["COMPLETED"] }) });
    expect(counters.source).toBe("executions");
    expect(counters.total.display).toBe("10,000+");
    expect(counters.successRate).toBeNull();
    // paging deep into it stays consistent
    const page = await listExecutionRows({ orgId: o.orgId }, { limit: 200 });
    expect(page.items[0]!.executionId).toBe("bulk-1");
  });
});

describe("counters", () => {
  let org: { orgId: string };
  beforeAll(async () => {
    org = await createTestOrg();
    await seed(org.orgId, 120, { spanHours: 10, endAgoMs: 2 * HOUR });
  });

  it("aggregates: exact counts of the list's rows created in the range, equal to a recount", async () => {
    const ragged = new Date(Date.now() - 8 * HOUR - 12_345);
    const aligned = new Date(Math.floor((Date.now() - 8 * HOUR) / HOUR) * HOUR);
    for (const filters of [{ from: ragged }, { from: aligned, workflows: ["email.send"] }, { from: ragged, to: new Date(Date.now() - 3 * HOUR - 999) }, {}]) {
      const c = await getCounters({ orgId: org.orgId }, { filter: filterOf(filters) });
      expect(c.source).toBe("aggregates");
      const where = [
        ...("workflows" in filters ? [`w.key = 'email.send'`] : []),
        ...("from" in filters ? [`e."createdAt" >= $2`] : []),
        ...("to" in filters ? [`e."createdAt" < $3`] : []),
      ].join(" AND ");
      const r = await recount(org.orgId, where, [..."from" in filters ? [filters.from] : [], ..."to" in filters ? [filters.to] : []]);
      expectTilesToEqual(c, r);
      expect(c.total.count).toBeGreaterThan(0);
      expect((await countExecutions({ orgId: org.orgId }, { filter: filterOf(filters) })).count).toBe(r.total);
      const fin = r.by.COMPLETED + r.by.FAILED + r.by.TIMED_OUT;
      expect(c.successRate).toBeCloseTo(r.by.COMPLETED / fin, 10);
    }
  });

  it("executions: any other filter counts the list's rows, equal to a recount", async () => {
    const from = new Date(Date.now() - 7 * HOUR - 123);
    const c = await getCounters({ orgId: org.orgId }, { filter: filterOf({ from, metadata: [{ key: "env", value: "prod" }] }) });
    expect(c.source).toBe("executions");
    const r = await recount(org.orgId, `e."createdAt" >= $2 AND e.metadata @> '{"env":"prod"}'`, [from]);
    expectTilesToEqual(c, r);

    const onlyFailed = await getCounters({ orgId: org.orgId }, { filter: filterOf({ statuses: ["FAILED"] }) });
    expect(onlyFailed.completed.count).toBe(0);
    expect(onlyFailed.failed.count).toBe((await recount(org.orgId, `e.status = 'FAILED'`)).total);
    expect(onlyFailed.successRate).toBe(0);
  });
});

describe("charts", () => {
  let org: { orgId: string };
  beforeAll(async () => {
    org = await createTestOrg();
    await seed(org.orgId, 150, { spanHours: 30, endAgoMs: HOUR });
  });

  it.each([
    ["24 h", 24 * HOUR],
    ["7 d", 7 * 24 * HOUR],
    ["1 year", 365 * 24 * HOUR],
  ])("%s: at most 2,000 points, and the sums equal the counts", async (_, span) => {
    const now = new Date();
    const from = new Date(now.getTime() - span);
    const chart = await getExecutionCharts({ orgId: org.orgId }, { from }, now);
    expect(chart.points.length).toBeLessThanOrEqual(2000);
    expect(chart.points.length).toBeGreaterThan(0);
    const chartFrom = chart.from;
    const terminal = await recount(org.orgId, `e.status IN ('COMPLETED','FAILED','CANCELLED','TIMED_OUT','CONTINUED_AS_NEW') AND e."completedAt" >= $2`, [chartFrom]);
    const active = await recount(org.orgId, `e.status IN ('PENDING','SCHEDULED','RUNNING','WAITING') AND e."createdAt" >= $2`, [chartFrom]);
    for (const s of STATUSES) {
      const sum = chart.points.reduce((a, p) => a + p.counts[s], 0);
      expect(sum, s).toBe(terminal.by[s] + active.by[s]);
    }
    expect(chart.points.reduce((a, p) => a + p.total, 0)).toBe(terminal.total + active.total);
    expect(chart.active.RUNNING).toBe(active.by.RUNNING);
    expect(chart.active.stuck).toBe(active.stuck);
    // consecutive, aligned buckets
    chart.points.forEach((p, i) => {
      expect(p.end.getTime() - p.start.getTime()).toBe(chart.bucketMs);
      if (i) expect(p.start.getTime()).toBe(chart.points[i - 1]!.end.getTime());
    });
    const busy = chart.points.filter((p) => p.counts.COMPLETED > 0);
    expect(busy.length).toBeGreaterThan(0);
    for (const p of busy) {
      expect(p.p50Ms).toBeGreaterThan(0);
      expect(p.p95Ms!).toBeGreaterThanOrEqual(p.p50Ms!);
      // a bucket with fewer finished runs than the minimum shows no rate (one failure of one is not "100%")
      const finished = p.counts.COMPLETED + p.counts.FAILED + p.counts.TIMED_OUT;
      if (finished >= chart.failureRateMinFinished) expect(p.failureRate).not.toBeNull();
      else expect(p.failureRate).toBeNull();
    }
    expect(chart.empty).toBe(false);
  });

  it("the charts follow the list's status and stuck filters", async () => {
    const from = new Date(Date.now() - 7 * 24 * HOUR);
    const all = await getExecutionCharts({ orgId: org.orgId }, { from });
    const failed = await getExecutionCharts({ orgId: org.orgId }, { from, statuses: ["FAILED"] });
    const sum = (c: typeof all, s: (typeof STATUSES)[number]) => c.points.reduce((a, p) => a + p.counts[s], 0);
    expect(sum(failed, "FAILED")).toBe(sum(all, "FAILED"));
    for (const s of STATUSES) if (s !== "FAILED") expect(sum(failed, s), s).toBe(0);
    const stuck = await getExecutionCharts({ orgId: org.orgId }, { from, statuses: ["SCHEDULED", "RUNNING"], stuck: true });
    const total = stuck.points.reduce((a, p) => a + p.total, 0);
    expect(total).toBe(all.active.stuck);
    expect(sum(stuck, "COMPLETED")).toBe(0);
  });

  it("a workflow's chart holds only that workflow; an unknown workflow is empty", async () => {
    const from = new Date(Date.now() - 48 * HOUR);
    const chart = await getWorkflowCharts({ orgId: org.orgId }, { key: "report.build", from });
    const r = await recount(org.orgId, `w.key = 'report.build' AND ((e."completedAt" >= $2) OR (e.status IN ('PENDING','SCHEDULED','RUNNING','WAITING') AND e."createdAt" >= $2))`, [chart!.from]);
    expect(chart!.points.reduce((a, p) => a + p.total, 0)).toBe(r.total);
    expect(await getWorkflowCharts({ orgId: org.orgId }, { key: "nope", from })).toBeNull();
    const none = await getExecutionCharts({ orgId: org.orgId }, { from, workflows: ["nope"] });
    expect(none.empty).toBe(true);
  });
});

describe("execution detail", () => {
  it("has header times, stages, every event with its reason, error, input/output, chain, parent, children and audit", async () => {
    const o = await createTestOrg();
    const t0 = Date.now() - HOUR;
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const [a, b, c, child] = ["run-a", "run-b", "run-c", "child-1"];
    await ingestEvents({ orgId: o.orgId }, { events: [
      { eventId: "a1", executionId: a, workflow: "loop", status: "PENDING", occurredAt: at(0), input: { n: 1 } },
      { eventId: "a2", executionId: a, status: "RUNNING", occurredAt: at(10) },
      { eventId: "a3", executionId: a, status: "SCHEDULED", occurredAt: at(5) }, // out of order: stale
      { eventId: "a2", executionId: a, status: "RUNNING", occurredAt: at(10) }, // duplicate
      { eventId: "a4", executionId: a, status: "CONTINUED_AS_NEW", occurredAt: at(60), continuedAsNewTo: b },
      { eventId: "a5", executionId: a, status: "FAILED", occurredAt: at(70) }, // rejected: terminal
      { eventId: "b1", executionId: b, status: "RUNNING", occurredAt: at(61) },
      { eventId: "b2", executionId: b, status: "CONTINUED_AS_NEW", occurredAt: at(90), continuedAsNewTo: c },
      { eventId: "c1", executionId: c, status: "RUNNING", occurredAt: at(91) },
      { eventId: "c2", executionId: c, status: "FAILED", occurredAt: at(100), error: { message: "bad", stack: "Error: bad\n  at f" }, output: { partial: true } },
      { eventId: "k1", executionId: child, workflow: "leaf", status: "COMPLETED", occurredAt: at(20), parentExecutionId: b },
    ] });
    await recordAudit({ orgId: o.orgId, actor: { type: "SYSTEM", label: "test" }, action: "execution.cancel", resourceType: "execution", resourceId: b, success: true });
    await recordAudit({ orgId: o.orgId, actor: { type: "SYSTEM", label: "test" }, action: "execution.cancel", resourceType: "execution", resourceId: a, success: true });

    const da = (await getExecutionDetail({ orgId: o.orgId }, { executionId: a }))!;
    // by occurredAt, each eventId once with its repeats counted (rule 4)
    const statusItems = da.events.flatMap((e) => (e.type === "status" ? [e] : []));
    expect(statusItems.map((e) => [e.eventId, e.outcome, e.repeats])).toEqual([
      ["a1", "applied", 0],
      ["a3", "stale", 0],
      ["a2", "applied", 1],
      ["a4", "applied", 0],
      ["a5", "rejected", 0],
    ]);
    for (const e of statusItems.filter((x) => x.outcome !== "applied")) expect(e.reason).toBeTruthy();
    expect(da.stages.map((s) => [s.status, s.durationMs])).toEqual([
      ["PENDING", 10_000],
      ["RUNNING", 50_000],
      ["CONTINUED_AS_NEW", null],
    ]);
    expect(da.times).toEqual({ queueMs: 10_000, runMs: 50_000, totalMs: 60_000 });
    expect(da.execution.input).toEqual({ n: 1 });
    expect(da.chain.previous).toEqual([]);
    expect(da.chain.next.map((l) => l.executionId)).toEqual([b, c]);
    expect(da.chain.currentExecutionId).toBe(c);
    expect(da.audit).toHaveLength(1);

    const db = (await getExecutionDetail({ orgId: o.orgId }, { executionId: b }))!;
    expect(db.chain.previous.map((l) => l.executionId)).toEqual([a]);
    expect(db.chain.next.map((l) => [l.executionId, l.status])).toEqual([[c, "FAILED"]]);
    expect(db.children.map((l) => l.executionId)).toEqual([child]);
    expect(db.stages[0]).toMatchObject({ status: "PENDING" });
    expect(db.audit.map((x) => x.action)).toEqual(["execution.cancel"]);

    const dc = (await getExecutionDetail({ orgId: o.orgId }, { executionId: c }))!;
    expect(dc.chain.previous.map((l) => l.executionId)).toEqual([a, b]);
    expect(dc.execution.error).toMatchObject({ message: "bad", stack: expect.stringContaining("at f") });
    expect(dc.execution.output).toEqual({ partial: true });

    const dk = (await getExecutionDetail({ orgId: o.orgId }, { executionId: child }))!;
    expect(dk.parent).toMatchObject({ executionId: b, status: "CONTINUED_AS_NEW", workflow: "loop" });

    expect(await getExecutionDetail({ orgId: o.orgId }, { executionId: "missing" })).toBeNull();
    const paged = await listExecutionEvents({ orgId: o.orgId }, { executionId: a, limit: 4 });
    expect(paged.items).toHaveLength(4);
    const rest = await listExecutionEvents({ orgId: o.orgId }, { executionId: a, cursor: paged.nextCursor!, limit: 4 });
    expect(rest.items.map((e) => (e.type === "status" ? e.eventId : "heartbeat"))).toEqual(["a5"]);
  });
});

describe("workflows overview", () => {
  it("lists each workflow with counters equal to a recount, last run and stuck now", async () => {
    const o = await createTestOrg();
    await seed(o.orgId, 48);
    const { items } = await listWorkflowSummaries({ orgId: o.orgId });
    expect(items.map((w) => w.key).sort()).toEqual([...WORKFLOWS].sort());
    for (const w of items) {
      const r = await recount(o.orgId, `w.key = $2`, [w.key]);
      expect(w.executions).toBe(r.total);
      expect(w.successes).toBe(r.by.COMPLETED);
      expect(w.failures).toBe(r.by.FAILED + r.by.TIMED_OUT);
      expect(w.cancelled).toBe(r.by.CANCELLED);
      expect(w.stuckNow).toBe(r.stuck);
      expect(w.successRate).toBeCloseTo(r.by.COMPLETED / (r.by.COMPLETED + r.by.FAILED + r.by.TIMED_OUT), 10);
      expect(w.lastRunAt).toBeInstanceOf(Date);
      expect(w.stuckRunningAfterSeconds).toBe(1800);
    }
    expect(await getWorkflowSummary({ orgId: o.orgId }, { key: "email.send" })).toMatchObject({ key: "email.send" });
    expect(await getWorkflowSummary({ orgId: o.orgId }, { key: "nope" })).toBeNull();
  });
});

describe("another organization sees nothing", () => {
  it("for every function", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const ids = await seed(a.orgId, 24, { prefix: "secret" });
    await ingestEvents({ orgId: a.orgId }, { events: [{ eventId: "p1", executionId: "kid", workflow: "leaf", status: "RUNNING", parentExecutionId: ids[0] }] });
    const from = new Date(Date.now() - 48 * HOUR);
    const first = await listExecutionRows({ orgId: a.orgId }, { limit: 5 });

    expect((await listExecutionRows({ orgId: b.orgId }, {})).items).toEqual([]);
    // A's cursor and snapshot, replayed from B
    expect((await listExecutionRows({ orgId: b.orgId }, { cursor: first.nextCursor! })).items).toEqual([]);
    expect((await countNewExecutions({ orgId: b.orgId }, { snapshotId: "0" })).count).toBe(0);
    expect((await countExecutions({ orgId: b.orgId }, {})).count).toBe(0);
    expect((await countExecutions({ orgId: b.orgId }, { filter: filterOf({ search: "secret" }) })).count).toBe(0);
    expect(await refreshExecutionRows({ orgId: b.orgId }, { executionIds: ids })).toEqual([]);
    for (const filters of [{}, { statuses: ["FAILED" as const] }, { workflows: WORKFLOWS }]) {
      expect((await getCounters({ orgId: b.orgId }, { filter: filterOf(filters) })).total.count).toBe(0);
    }
    const chart = await getExecutionCharts({ orgId: b.orgId }, { from });
    expect(chart.empty).toBe(true);
    expect(chart.active).toEqual({ PENDING: 0, SCHEDULED: 0, RUNNING: 0, WAITING: 0, stuck: 0 });
    expect(await getExecutionCharts({ orgId: b.orgId }, { from, workflows: WORKFLOWS }).then((c) => c.empty)).toBe(true);
    expect(await getExecutionDetail({ orgId: b.orgId }, { executionId: ids[0]! })).toBeNull();
    expect(await getExecutionDetail({ orgId: b.orgId }, { executionId: "kid" })).toBeNull();
    expect((await listExecutionEvents({ orgId: b.orgId }, { executionId: ids[0]! })).items).toEqual([]);
    expect((await listWorkflowSummaries({ orgId: b.orgId })).items).toEqual([]);
    expect(await getWorkflowSummary({ orgId: b.orgId }, { key: WORKFLOWS[0]! })).toBeNull();
    expect(await getWorkflowCharts({ orgId: b.orgId }, { key: WORKFLOWS[0]!, from })).toBeNull();
    // and A still sees its own
    expect((await countExecutions({ orgId: a.orgId }, {})).count).toBe(25);
    expect((await getExecutionDetail({ orgId: a.orgId }, { executionId: ids[0]! }))!.children.map((c) => c.executionId)).toEqual(["kid"]);
  });
});
