// The list's SQL composition (server/executions/list-sql.ts), pure: which plan a filter gets and
// which parameters each statement carries. The plans themselves are held to their indexes by
// tests/integration/query-plans.itest.ts; this pins the composition rules they rely on.
import { describe, expect, it } from "vitest";
import { admittedStatuses, countSql, pageIdsSql, pageWhere, params, planFilter, substringWalkSql, walkedIds, SEARCH_WALK_ROWS, type FilterPlan } from "../../server/executions/list-sql";
import type { ExecutionFilter } from "../../server/executions/filters";

const plan = (filter: ExecutionFilter, lookups = { workflowIds: null as string[] | null, keyMatchIds: [] as string[] }) => {
  const p = params(["org"]);
  const planned = planFilter(filter, admittedStatuses(filter), lookups, p);
  return { p, planned };
};
const nonEmpty = (x: ReturnType<typeof plan>["planned"]): FilterPlan => {
  if (x.empty) throw new Error("planned empty");
  return x;
};

describe("planFilter", () => {
  it("narrows stuck to SCHEDULED and RUNNING, and an unknown workflow plans to nothing", () => {
    expect(admittedStatuses({ stuck: true })).toEqual(["SCHEDULED", "RUNNING"]);
    expect(admittedStatuses({ stuck: true, statuses: ["FAILED"] })).toEqual([]);
    expect(plan({ workflows: ["nope"] }, { workflowIds: [], keyMatchIds: [] }).planned).toEqual({ empty: true });
  });

  it("branches on the dimension with fewer values, one UNION ALL part per value", () => {
    const { p, planned } = plan({ statuses: ["FAILED", "TIMED_OUT", "CANCELLED"] }, { workflowIds: ["7", "8"], keyMatchIds: [] });
    const f = nonEmpty(planned);
    expect(f.branch).toEqual({ column: "workflowId", values: ["7", "8"] });
    const sql = pageIdsSql(f, pageWhere(f, { limit: 50, cursor: null }, p), { limit: 50, cursor: null }, p, null);
    expect(sql.split("UNION ALL")).toHaveLength(2);
    // the statuses filter every branch: one = ANY, so each branch keeps its index order by workflow
    expect(sql).toContain(`e.status = ANY($2::"ExecutionStatus"[])`);
  });

  it("an exact id never branches: the unique index finds it", () => {
    const f = nonEmpty(plan({ statuses: ["FAILED", "RUNNING"], executionId: { value: "a", mode: "exact" } }).planned);
    expect(f.branch).toBeNull();
  });
});

describe("the substring walk", () => {
  it("keeps its own parameters out of the page query's", () => {
    const { p, planned } = plan({ executionId: { value: "ab%", mode: "contains" } }, { workflowIds: null, keyMatchIds: ["3"] });
    const f = nonEmpty(planned);
    const where = pageWhere(f, { limit: 50, cursor: null }, p);
    const before = [...p.values];
    const walk = substringWalkSql(f, where, 51, p)!;
    expect(p.values).toEqual(before);
    // the search's own % is matched literally
    expect(walk.values).toContain("%ab\\%%");
    expect(walk.text).toContain(`LIMIT ${SEARCH_WALK_ROWS}`);
  });

  it("answers from the walk with a full page, or when it reached the end; else the trigram index does", () => {
    const hit = (id: string, rn: number) => ({ id, hit: true, rn });
    expect(walkedIds([hit("1", 1), hit("2", 2)], 2)).toEqual(["1", "2"]);
    expect(walkedIds([hit("1", 1)], 2)).toEqual(["1"]);
    expect(walkedIds([hit("1", 1), { id: "9", hit: false, rn: SEARCH_WALK_ROWS }], 2)).toBeNull();
  });
});

describe("countSql", () => {
  it("counts stuck-only in join-free parts of each status under one LIMIT, never per branch", () => {
    const { p, planned } = plan({ stuck: true });
    const sql = countSql(nonEmpty(planned), { stuck: true }, [], 10_000, p);
    // per status: past the largest threshold, and between the smallest and the largest
    expect(sql.split("UNION ALL")).toHaveLength(4);
    expect(sql).not.toContain("JOIN workflows w ");
    expect(sql).not.toContain("JOIN organizations");
    expect(sql.match(/LIMIT/g)).toHaveLength(1);
    expect(sql).toContain("LIMIT 10001");
    expect(p.values).toEqual(["org", "SCHEDULED", "RUNNING"]);
  });

  it("keeps the other conditions in every part", () => {
    const { p, planned } = plan({ stuck: true, statuses: ["RUNNING"], createdFrom: new Date("2026-01-01T00:00:00Z") });
    const sql = countSql(nonEmpty(planned), { stuck: true, statuses: ["RUNNING"], createdFrom: new Date("2026-01-01T00:00:00Z") }, [`e.id > $9::bigint`], 10_000, p);
    expect(sql.split("UNION ALL")).toHaveLength(2);
    expect(sql.match(/e\."createdAt" >= \$2::timestamptz/g)).toHaveLength(2);
    expect(sql.match(/e\.id > \$9::bigint/g)).toHaveLength(2);
  });

  it("a count that is not stuck-only is capped per branch, in the list's order", () => {
    const { p, planned } = plan({ statuses: ["FAILED", "TIMED_OUT"] });
    const sql = countSql(nonEmpty(planned), { statuses: ["FAILED", "TIMED_OUT"] }, [], 10_000, p);
    expect(sql.split("UNION ALL")).toHaveLength(2);
    expect(sql.match(/LIMIT 10001/g)).toHaveLength(2);
    expect(sql).toContain(`ORDER BY e."createdAt" DESC, e.id DESC`);
  });
});
