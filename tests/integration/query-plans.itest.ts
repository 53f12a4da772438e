// Query plans of the list and count queries on ~200k executions in one organization: every main
// filter combination must read executions through an index, in index order (no Sort node), so
// pages stay fast at any depth. Small enough for CI; the scale benchmark covers 10M rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explainableExactCountQueries } from "../../server/aggregates/exact-counts";
import type { FilterUrlStateInput } from "../../server/executions/filters";
import { filterOf } from "../setup/filters";
import { rebuildRollups } from "../../server/aggregates/rollups";
import { pool } from "../../server/db/client";
import type { ExecutionFilter } from "../../server/executions/filters";
import { SEARCH_WALK_ROWS } from "../../server/executions/list-sql";
import { executionTargetPage, explainableCountQuery, explainableListQuery, explainableSubstringWalk } from "../../server/executions/queries";
import { COUNT_CAP } from "../../server/paging/limits";
import { failureRateSql, missedCheckSql, stormSamplesSql, stormStateSql, stuckDiffSql, stuckSetSql } from "../../server/monitor/queries";
import type { SqlText } from "../../server/db/sql";
import { createTestOrg } from "../setup/helpers";

const ROWS = 200_000;
const OTHER_ORG_ROWS = 20_000;

type PlanNode = { "Node Type": string; "Relation Name"?: string; "Index Name"?: string; Plans?: PlanNode[] };

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

async function explain(query: { sql: string; values: unknown[] } | null): Promise<PlanNode[]> {
  if (!query) throw new Error("the filter planned to no query at all");
  const { rows } = await pool().query(`EXPLAIN (FORMAT JSON) ${query.sql}`, query.values);
  return nodes((rows[0]["QUERY PLAN"] as Array<{ Plan: PlanNode }>)[0]!.Plan);
}

const seqScansOfExecutions = (plan: PlanNode[]) => plan.filter((n) => n["Node Type"] === "Seq Scan" && n["Relation Name"] === "executions");
// The page query re-sorts its own ≤ 51 joined rows at the end; a Sort of more rows than a page
// means the executions were not read in index order.
type SortNode = PlanNode & { "Plan Rows": number };
const bigSorts = (plan: PlanNode[]) =>
  plan.filter((n) => (n["Node Type"] === "Sort" || n["Node Type"] === "Incremental Sort") && (n as SortNode)["Plan Rows"] > 51);

// Generated in SQL so 200k rows take seconds: 20 workflows, a realistic status mix, two months
// of createdAt, metadata on a tenth of the rows.
async function generate(orgId: string, rows: number) {
  await pool().query(
    `INSERT INTO workflows ("orgId", key, name) SELECT $1, 'wf-' || g, 'Workflow ' || g FROM generate_series(0, 19) g`,
    [orgId],
  );
  await pool().query(
    `INSERT INTO executions ("orgId", "executionId", "workflowId", status, attempt, "statusChangedAt", "createdAt", "lastEventAt",
       "startedAt", "completedAt", "durationMs", metadata)
     SELECT $1, 'exec-' || lpad(g::text, 7, '0'), w.id,
       (CASE WHEN g % 100 < 80 THEN 'COMPLETED' WHEN g % 100 < 90 THEN 'FAILED' WHEN g % 100 < 93 THEN 'CANCELLED'
             WHEN g % 100 < 95 THEN 'TIMED_OUT' WHEN g % 100 < 97 THEN 'RUNNING' WHEN g % 100 < 98 THEN 'SCHEDULED'
             WHEN g % 100 < 99 THEN 'PENDING' ELSE 'WAITING' END)::"ExecutionStatus",
       1, ts, ts, ts, ts, CASE WHEN g % 100 < 95 THEN ts + interval '30 seconds' END, CASE WHEN g % 100 < 95 THEN 30000 END,
       CASE WHEN g % 10 = 0 THEN jsonb_build_object('region', 'eu-' || (g % 3), 'tenant', 't' || (g % 50)) END
     FROM generate_series(1, $2::int) g
     CROSS JOIN LATERAL (SELECT now() - (g::float / $2 * interval '60 days') AS ts) t
     JOIN workflows w ON w."orgId" = $1 AND w.key = 'wf-' || (g % 20)`,
    [orgId, rows],
  );
}

let orgId: string;
let deepCursor: { createdAt: string; id: string };
let workflowKey: string;

beforeAll(async () => {
  orgId = (await createTestOrg()).orgId;
  const other = (await createTestOrg()).orgId;
  await generate(orgId, ROWS);
  await generate(other, OTHER_ORG_ROWS);
  // the rows above bypass ingestion: build the rollups from them, as gen does
  const client = await pool().connect();
  try {
    await client.query("BEGIN");
    await rebuildRollups(client, null);
    await client.query("COMMIT");
  } finally {
    client.release();
  }
  // VACUUM as autovacuum would after a bulk load: it sets the visibility map, which is what lets
  // the planner price an index-only scan of a covering index as one
  for (const t of ["executions", "workflows", "execution_created_rollup", "org_execution_totals"]) await pool().query(`VACUUM ANALYZE ${t}`);
  const { rows } = await pool().query(
    `SELECT "createdAt", id FROM executions WHERE "orgId" = $1 ORDER BY "createdAt" DESC, id DESC OFFSET 150000 LIMIT 1`,
    [orgId],
  );
  deepCursor = { createdAt: rows[0].createdAt.toISOString(), id: rows[0].id };
  workflowKey = "wf-7";
}, 180_000);

const day = 24 * 3600 * 1000;

// The main filters of the list page: each must be an ordered index read, first page and deep.
const ORDERED_FILTERS: Array<[string, () => ExecutionFilter]> = [
  ["no filter", () => ({})],
  ["one status", () => ({ statuses: ["FAILED"] })],
  ["several statuses", () => ({ statuses: ["FAILED", "TIMED_OUT", "CANCELLED"] })],
  ["one workflow", () => ({ workflows: [workflowKey] })],
  ["two workflows", () => ({ workflows: [workflowKey, "wf-3"] })],
  ["status and workflow", () => ({ statuses: ["FAILED"], workflows: [workflowKey] })],
  ["time range", () => ({ createdFrom: new Date(Date.now() - 10 * day), createdTo: new Date(Date.now() - 5 * day) })],
  ["status and time range", () => ({ statuses: ["COMPLETED"], createdFrom: new Date(Date.now() - 30 * day) })],
];

describe("list query plans on 200k executions", () => {
  it.each(ORDERED_FILTERS)("%s: index scans in order, first page and 150k deep", async (_name, filter) => {
    for (const cursor of [null, deepCursor]) {
      const plan = await explain(await explainableListQuery(pool(), orgId, filter(), { limit: 50, cursor }));
      expect(seqScansOfExecutions(plan), JSON.stringify(plan.map((n) => n["Node Type"]))).toEqual([]);
      expect(bigSorts(plan), JSON.stringify(plan.map((n) => n["Node Type"]))).toEqual([]);
      expect(plan.some((n) => /Index/.test(n["Node Type"]) && n["Relation Name"] === "executions")).toBe(true);
    }
  });

  it.each([
    ["exact execution id", { executionId: { value: "exec-0123456", mode: "exact" } }],
    ["execution id prefix", { executionId: { value: "exec-01234", mode: "prefix" } }],
    ["metadata pair", { metadata: { tenant: "t7" } }],
    ["stuck only", { stuck: true }],
  ] as Array<[string, ExecutionFilter]>)("%s: no full scan of executions (a sort of the few matches is fine)", async (_name, filter) => {
    const plan = await explain(await explainableListQuery(pool(), orgId, filter, { limit: 50, cursor: null }));
    expect(seqScansOfExecutions(plan), JSON.stringify(plan.map((n) => `${n["Node Type"]}:${n["Index Name"] ?? ""}`))).toEqual([]);
  });
});

describe("substring search on 200k executions", () => {
  // "exec-01" is in half the ids: the trigram index would hand over 100k candidates to sort
  const common: ExecutionFilter = { executionId: { value: "exec-01", mode: "contains" } };

  it("walks (orgId, createdAt) in order with a bounded LIMIT, never the trigram index or a big sort", async () => {
    for (const [filter, cursor] of [
      [common, null],
      [common, deepCursor],
      [{ ...common, statuses: ["FAILED"] }, null],
      // not stuck: the walk joins workflows and organizations for the stuck rule
      [{ ...common, stuck: false }, null],
    ] as Array<[ExecutionFilter, typeof deepCursor | null]>) {
      const plan = await explain(await explainableSubstringWalk(pool(), orgId, filter, { limit: 50, cursor }));
      const shape = JSON.stringify(plan.map((n) => `${n["Node Type"]}:${n["Index Name"] ?? ""}`));
      expect(seqScansOfExecutions(plan), shape).toEqual([]);
      expect(plan.filter((n) => n["Node Type"] === "Sort" || n["Node Type"] === "Incremental Sort"), shape).toEqual([]);
      expect(plan.some((n) => /trgm/.test(n["Index Name"] ?? "")), shape).toBe(false);
      expect(plan.some((n) => n["Node Type"] === "Index Scan" && /createdAt/.test(n["Index Name"] ?? "")), shape).toBe(true);
      expect(plan.filter((n) => n["Node Type"] === "Limit").length, shape).toBeGreaterThanOrEqual(2);
    }
  });

  it("when the walk runs out, a rare term's matches come through the trigram index, never an unbounded createdAt walk", async () => {
    for (const cursor of [null, deepCursor]) {
      const plan = await explain(await explainableListQuery(pool(), orgId, { executionId: { value: "0199", mode: "contains" } }, { limit: 50, cursor }));
      const shape = JSON.stringify(plan.map((n) => `${n["Node Type"]}:${n["Index Name"] ?? ""}`));
      expect(seqScansOfExecutions(plan), shape).toEqual([]);
      expect(plan.some((n) => n["Node Type"] === "Bitmap Index Scan" && /trgm/.test(n["Index Name"] ?? "")), shape).toBe(true);
      expect(plan.some((n) => n["Node Type"] === "Index Scan" && n["Relation Name"] === "executions" && /createdAt/.test(n["Index Name"] ?? "")), shape).toBe(false);
    }
  });

  it("the walk and the trigram path give the same pages: a common term, a rare one, deep", async () => {
    const truth = async (pattern: string, cursor: typeof deepCursor | null) =>
      (
        await pool().query<{ id: string }>(
          `SELECT id::text FROM executions WHERE "orgId" = $1 AND "executionId" LIKE $2 ${cursor ? `AND ("createdAt", id) < ($3::timestamptz, $4::bigint)` : ""}
            ORDER BY "createdAt" DESC, id DESC LIMIT 51`,
          cursor ? [orgId, pattern, cursor.createdAt, cursor.id] : [orgId, pattern],
        )
      ).rows.map((r) => r.id);
    // "0199" is in about one id in 2,500: SEARCH_WALK_ROWS rows hold fewer than a page of them,
    // so that one is answered by the trigram index
    expect(SEARCH_WALK_ROWS).toBeLessThan(51 * 1000);
    for (const value of ["exec-01", "0199"]) {
      for (const cursor of [null, deepCursor]) {
        const page = await executionTargetPage(pool(), orgId, { executionId: { value, mode: "contains" } }, { limit: 50, cursor });
        expect(page.map((r) => r.id), `${value} ${cursor ? "deep" : "first page"}`).toEqual(await truth(`%${value}%`, cursor));
      }
    }
  });
});

describe("capped count plans", () => {
  it.each([...ORDERED_FILTERS, ["stuck only", () => ({ stuck: true })] as [string, () => ExecutionFilter]])(
    "%s: counted through an index, never a full scan",
    async (_name, filter) => {
      const plan = await explain(await explainableCountQuery(pool(), orgId, filter(), COUNT_CAP));
      expect(seqScansOfExecutions(plan), JSON.stringify(plan.map((n) => n["Node Type"]))).toEqual([]);
    },
  );

  // "exec-01" prefixes half the ids: ordered by createdAt, the count fetched and sorted all of
  // them (400 ms for 125k at 10M); unordered, it stops after cap + 1 entries of the pattern index
  it("an id prefix: index-only over the org-leading pattern index, no sort of the matches", async () => {
    const plan = await explain(await explainableCountQuery(pool(), orgId, { executionId: { value: "exec-01", mode: "prefix" } }, COUNT_CAP));
    const shape = JSON.stringify(plan.map((n) => `${n["Node Type"]}:${n["Index Name"] ?? n["Relation Name"] ?? ""}`));
    const reads = plan.filter((n) => n["Relation Name"] === "executions");
    expect(reads.map((n) => `${n["Node Type"]}:${n["Index Name"]}`), shape).toEqual(["Index Only Scan:executions_orgId_executionId_pattern_idx"]);
    expect(plan.some((n) => n["Node Type"] === "Sort"), shape).toBe(false);
  });
});

describe("the stuck-only capped count's plan", () => {
  const STUCK_INDEXES = ["executions_scheduled_org_since_idx", "executions_running_org_alive_idx"];
  type CostNode = PlanNode & { "Total Cost": number };

  it.each<[string, () => ExecutionFilter]>([
    ["stuck only", () => ({ stuck: true })],
    ["stuck and running", () => ({ stuck: true, statuses: ["RUNNING"] })],
  ])("%s: index-only over the org-leading partial indexes, one LIMIT, priced below JIT", async (_name, filter) => {
    const q = await explainableCountQuery(pool(), orgId, filter(), COUNT_CAP);
    const { rows } = await pool().query(`EXPLAIN (FORMAT JSON) ${q!.sql}`, q!.values);
    const top = (rows[0]["QUERY PLAN"] as Array<{ Plan: CostNode }>)[0]!.Plan;
    const plan = nodes(top);
    const shape = JSON.stringify(plan.map((n) => `${n["Node Type"]}:${n["Index Name"] ?? n["Relation Name"] ?? ""}`));
    const reads = plan.filter((n) => n["Relation Name"] === "executions");
    // per status: the range past the largest threshold, and the one between the smallest and the largest
    expect(reads.length, shape).toBe(2 * (filter().statuses?.length ?? 2));
    expect(reads.every((n) => n["Node Type"] === "Index Only Scan" && STUCK_INDEXES.includes(n["Index Name"] ?? "")), shape).toBe(true);
    // one LIMIT over every part: the later parts are not read once the first ones reach the cap
    expect(plan.filter((n) => n["Node Type"] === "Limit"), shape).toHaveLength(1);
    // no per-row lookup priced on the first range: the estimate stays far below jit_above_cost
    // (JIT compiling took 80-130 ms, for a count that runs in milliseconds)
    const { rows: jit } = await pool().query<{ setting: string }>(`SELECT setting FROM pg_settings WHERE name = 'jit_above_cost'`);
    expect(top["Total Cost"]).toBeLessThan(Number(jit[0]!.setting) / 10);
  });
});

describe("missed-run check plan", () => {
  it("reads each scheduled workflow's newest execution through (orgId, workflowId, createdAt), never scanning executions", async () => {
    await pool().query(`UPDATE workflows SET schedule = '{"everySeconds": 3600}', "scheduleSetAt" = now(), "missedCheckAt" = NULL WHERE "orgId" = $1`, [orgId]);
    try {
      const q = missedCheckSql(new Date());
      const plan = await explain({ sql: q.text, values: [...q.values] });
      const shape = JSON.stringify(plan.map((n) => `${n["Node Type"]}:${n["Index Name"] ?? n["Relation Name"] ?? ""}`));
      expect(seqScansOfExecutions(plan), shape).toEqual([]);
      expect(plan.some((n) => n["Index Name"] === "executions_orgId_workflowId_createdAt_id_idx"), shape).toBe(true);
    } finally {
      await pool().query(`UPDATE workflows SET schedule = NULL, "scheduleSetAt" = NULL WHERE "orgId" = $1`, [orgId]);
    }
  });
});

describe("sweep plans", () => {
  const indexesOf = (plan: PlanNode[]) => new Set(plan.filter((n) => n["Relation Name"] === "executions").map((n) => n["Index Name"] ?? n["Node Type"]));

  it.each([
    ["the full stuck set", (now: Date) => stuckSetSql(now, [orgId])],
    ["the incremental diff", (now: Date) => stuckDiffSql(now, [orgId], false)],
    ["the incremental diff, every organization", (now: Date) => stuckDiffSql(now, null, false)],
  ] as Array<[string, (now: Date) => SqlText]>)("%s reads the active sets through the org-leading partial indexes", async (_name, statement) => {
    const q = statement(new Date());
    const plan = await explain({ sql: q.text, values: [...q.values] });
    const shape = JSON.stringify(plan.map((n) => `${n["Node Type"]}:${n["Index Name"] ?? n["Relation Name"] ?? ""}`));
    expect(seqScansOfExecutions(plan), shape).toEqual([]);
    expect(indexesOf(plan).has("executions_scheduled_org_since_idx"), shape).toBe(true);
    expect(indexesOf(plan).has("executions_running_org_alive_idx"), shape).toBe(true);
    // the crossing reads what it judges from the indexes' entries, not one heap page per execution
    const crossing = plan.filter((n) => ["executions_scheduled_org_since_idx", "executions_running_org_alive_idx"].includes(n["Index Name"] ?? ""));
    expect(crossing.every((n) => n["Node Type"] === "Index Only Scan"), shape).toBe(true);
    // the crossing is read once, then joined to the workflows: inlined, the planner may read an
    // organization's whole crossing again for each of its workflows (10x at 10M executions)
    expect(plan.some((n) => (n as PlanNode & { "Subplan Name"?: string })["Subplan Name"] === "CTE crossed"), shape).toBe(true);
  });
});

describe("failure-rate and storm plans", () => {
  const shapeOf = (plan: PlanNode[]) => JSON.stringify(plan.map((n) => `${n["Node Type"]}:${n["Index Name"] ?? n["Relation Name"] ?? ""}`));
  const seqScansOf = (plan: PlanNode[], table: string) => plan.filter((n) => n["Node Type"] === "Seq Scan" && n["Relation Name"] === table);

  it.each([
    ["one organization", () => [orgId]],
    ["every organization", () => null],
  ] as Array<[string, () => string[] | null]>)("the failure-rate counts read %s's finished executions as a range of the org-leading index", async (_name, orgIds) => {
    const q = failureRateSql(new Date(), orgIds());
    const plan = await explain({ sql: q.text, values: [...q.values] });
    expect(seqScansOfExecutions(plan), shapeOf(plan)).toEqual([]);
    expect(plan.some((n) => n["Index Name"] === "executions_orgId_completedAt_idx"), shapeOf(plan)).toBe(true);
  });

  describe("with 200k alerts", () => {
    let workflowId: string;
    beforeAll(async () => {
      // one alert per execution of the big organization, two months of them, as a stormy history
      await pool().query(
        `INSERT INTO alerts ("orgId", reason, "workflowId", "executionId", since, "firedAt", state, "executionStatus")
         SELECT "orgId", 'scheduled', "workflowId", "executionId", "createdAt", "createdAt", 'RESOLVED', status FROM executions WHERE "orgId" = $1`,
        [orgId],
      );
      await pool().query(`ANALYZE alerts`);
      workflowId = (await pool().query(`SELECT id::text FROM workflows WHERE "orgId" = $1 ORDER BY id LIMIT 1`, [orgId])).rows[0].id;
    });
    afterAll(async () => {
      await pool().query(`DELETE FROM alerts WHERE "orgId" = $1`, [orgId]);
    });

    it("storm state and the new storms' first alerts read alerts through (orgId, workflowId, firedAt), never scanning alerts", async () => {
      const groups = [{ orgId, workflowId, windowSeconds: 300 }];
      for (const q of [stormStateSql(groups, new Date()), stormSamplesSql([{ ...groups[0]!, stormId: "1" }], 5, new Date())]) {
        const plan = await explain({ sql: q.text, values: [...q.values] });
        expect(seqScansOf(plan, "alerts"), shapeOf(plan)).toEqual([]);
        expect(plan.some((n) => n["Index Name"] === "alerts_orgId_workflowId_firedAt_idx"), shapeOf(plan)).toBe(true);
      }
    });
  });
});

describe("exact count plans", () => {
  const ragged = (ms: number) => new Date(Date.now() - ms - 12_345);
  it.each<[string, () => FilterUrlStateInput]>([
    ["no filter (running totals)", () => ({})],
    ["one status", () => ({ statuses: ["FAILED"] })],
    ["one workflow", () => ({ workflows: [workflowKey] })],
    ["24 h preset, ragged", () => ({ from: ragged(day) })],
    ["30 d, ragged, status and workflow", () => ({ from: ragged(30 * day), statuses: ["FAILED"], workflows: [workflowKey] })],
    ["custom range, ragged both ends", () => ({ from: ragged(20 * day), to: ragged(3 * day) })],
    ["stuck only", () => ({ stuck: true })],
  ])("%s: the aggregates and the active set through indexes, never a full scan of executions", async (_name, filters) => {
    const q = explainableExactCountQueries(orgId, filterOf(filters()));
    // the parts, and the one statement a count runs (their UNION ALL)
    for (const query of [q.terminal, q.active, q.combined]) {
      if (!query) continue;
      const plan = await explain(query);
      const shown = JSON.stringify(plan.map((n) => `${n["Node Type"]}:${n["Relation Name"] ?? ""}:${n["Index Name"] ?? ""}`));
      expect(plan.filter((n) => n["Node Type"] === "Seq Scan" && ["executions", "execution_created_rollup"].includes(n["Relation Name"] ?? "")), shown).toEqual([]);
    }
    expect(q.combined).not.toBeNull();
    // (org_execution_totals holds at most statuses × 16 rows per organization: a scan of it is fine)
    // the active part, when the filter admits an active status, reads only active entries: an
    // active-set partial index, or the status index (with no range, the running totals, and the
    // not-stuck range of the org-leading partial indexes)
    if (!q.active) return;
    const active = await explain(q.active);
    const activeIndexes = ["executions_active_cover_idx", "executions_active_org_idx", "executions_orgId_status_createdAt_id_idx", "executions_scheduled_org_since_idx", "executions_running_org_alive_idx"];
    const shownActive = JSON.stringify(active.map((n) => n["Index Name"] ?? n["Node Type"]));
    expect(active.some((n) => activeIndexes.includes(n["Index Name"] ?? "")), shownActive).toBe(true);
    expect(active.filter((n) => /Index/.test(n["Node Type"]) && /^executions_/.test(n["Index Name"] ?? "")).every((n) => activeIndexes.includes(n["Index Name"]!)), shownActive).toBe(true);
  });
});

describe("counters with a workflow or stuck filter", () => {
  // O(active), not O(rows): the active part of the count is a range of the covering active-set
  // index (orgId, status, workflowId, createdAt) INCLUDE (the stuck rule's columns), never the
  // (orgId, workflowId, createdAt) index over every execution of the workflow, never the heap
  // of terminal rows
  // an index whose entries are active executions only: O(active) whichever the planner takes.
  // Which of them it takes for a workflow filter is a close call that moves with the statistics
  // of a table the other test files write to at the same time (autoanalyze re-samples it
  // mid-run): the covering index and the status index both read only active entries, so the
  // cases where the two compete assert O(active), not the planner's pick.
  // The stuck count is the stuckable statuses' count (no rule, so the status index competes too)
  // minus the ones not stuck, a range of "since" newer than the largest threshold: the org-leading
  // partial index of that status, or the covering index, which carries what the rule reads.
  const ACTIVE_ONLY = [
    "executions_active_cover_idx",
    "executions_active_org_idx",
    "executions_orgId_status_createdAt_id_idx",
    "executions_scheduled_org_since_idx",
    "executions_running_org_alive_idx",
  ];
  it.each<[string, () => FilterUrlStateInput, boolean]>([
    ["one workflow", () => ({ workflows: [workflowKey] }), false],
    ["two workflows", () => ({ workflows: [workflowKey, "wf-3"] }), false],
    ["stuck only", () => ({ stuck: true }), true],
    ["stuck in one workflow", () => ({ stuck: true, workflows: [workflowKey] }), true],
    ["one workflow, 7 d", () => ({ workflows: [workflowKey], from: new Date(Date.now() - 7 * day) }), false],
  ])("%s: the active part reads only active entries, the stuck ones through the not-stuck range", async (_name, filters, stuck) => {
    const q = explainableExactCountQueries(orgId, filterOf(filters()));
    const plan = await explain(q.active);
    const shown = JSON.stringify(plan.map((n) => `${n["Node Type"]}:${n["Relation Name"] ?? ""}:${n["Index Name"] ?? ""}`));
    const reads = plan.filter((n) => n["Relation Name"] === "executions" || /^executions_/.test(n["Index Name"] ?? ""));
    expect(reads.length, shown).toBeGreaterThan(0);
    expect(reads.every((n) => ACTIVE_ONLY.includes(n["Index Name"] ?? "") || n["Node Type"] === "Bitmap Heap Scan"), shown).toBe(true);
    // the rule is judged on the ones not stuck only: the thresholds are joined there, never to the count of all
    if (stuck) expect(plan.filter((n) => n["Node Type"] === "Append").length, shown).toBeGreaterThan(0);
  });

  it.each<[string, () => FilterUrlStateInput]>([
    ["no filter, 7 d", () => ({ from: new Date(Date.now() - 7 * day) })],
    ["one workflow", () => ({ workflows: [workflowKey] })],
  ])("the list's total (%s) reads no active set: the created-at rollup and the ragged edges, no thresholds joined", async (_name, filters) => {
    const q = explainableExactCountQueries(orgId, filterOf(filters()), { stuck: false });
    // the active statuses are in the rollup with the terminal ones: no part of their own
    expect(q.active).toBeNull();
    const plan = await explain(q.combined);
    const shown = JSON.stringify(plan.map((n) => `${n["Node Type"]}:${n["Relation Name"] ?? ""}:${n["Index Name"] ?? ""}`));
    // (a workflow filter looks its keys up in workflows once, an initplan)
    expect(plan.filter((n) => n["Relation Name"] === "organizations"), shown).toEqual([]);
    expect(plan.some((n) => /created_rollup/.test(n["Index Name"] ?? "") || n["Relation Name"] === "execution_created_rollup"), shown).toBe(true);
    // executions only for the ragged edges (under an hour each), by index
    const reads = plan.filter((n) => n["Relation Name"] === "executions");
    expect(reads.every((n) => n["Node Type"] !== "Seq Scan"), shown).toBe(true);
  });

  // (30 d: an edge hour may be read through the cover index instead, every workflow's few rows)
  it.each<[string, () => FilterUrlStateInput, "every" | "some"]>([
    ["one workflow, no range", () => ({ workflows: [workflowKey] }), "every"],
    ["one workflow, 30 d", () => ({ workflows: [workflowKey], from: new Date(Date.now() - 30 * day - 12_345) }), "some"],
  ])("%s: the terminal part reads that workflow's created-at rollup rows", async (_name, filters, reads) => {
    const q = explainableExactCountQueries(orgId, filterOf(filters()));
    const plan = await explain(q.terminal);
    const shown = JSON.stringify(plan.map((n) => `${n["Node Type"]}:${n["Relation Name"] ?? ""}:${n["Index Name"] ?? ""}`));
    const rollup = plan.filter((n) => /Index/.test(n["Node Type"]) && /created_rollup/.test(n["Index Name"] ?? ""));
    expect(rollup.length, shown).toBeGreaterThan(0);
    expect(rollup[reads]((n) => n["Index Name"] === "execution_created_rollup_workflow_idx"), shown).toBe(true);
    // the index carries the status and the count: no heap page per rollup row
    expect(rollup.every((n) => n["Node Type"] === "Index Only Scan"), shown).toBe(true);
  });

  it.each<[string, () => FilterUrlStateInput]>([
    ["no filter, 30 d", () => ({ from: new Date(Date.now() - 30 * day - 12_345) })],
    ["two statuses, 7 d", () => ({ statuses: ["FAILED", "COMPLETED"], from: new Date(Date.now() - 7 * day - 12_345) })],
  ])("%s: the created-at rollup is read index-only, never a heap page per row", async (_name, filters) => {
    const q = explainableExactCountQueries(orgId, filterOf(filters()), { stuck: false });
    const plan = await explain(q.combined);
    const shown = JSON.stringify(plan.map((n) => `${n["Node Type"]}:${n["Relation Name"] ?? ""}:${n["Index Name"] ?? ""}`));
    const rollup = plan.filter((n) => /created_rollup/.test(n["Index Name"] ?? "") || n["Relation Name"] === "execution_created_rollup");
    expect(rollup.length, shown).toBeGreaterThan(0);
    expect(rollup.every((n) => n["Node Type"] === "Index Only Scan" && n["Index Name"] === "execution_created_rollup_cover_idx"), shown).toBe(true);
  });
});
