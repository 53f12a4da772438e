// The aggregates of server/aggregates/rollups.ts against a recount: running totals and the
// created-at rollup (every status) from the executions, the daily rollup from the hourly aggregate (itself held
// to the executions by the hourly checks). Rows that hold zero are the same as no row.
import { pool } from "../../server/db/client";
import type { Queryable } from "../../server/db/sql";

/** Rows that differ between the stored aggregates and a recount, named by table; [] when equal. */
export async function rollupDifferences(orgId: string, db: Queryable = pool()): Promise<string[]> {
  const diff = async (name: string, stored: string, recount: string) => {
    const { rows } = await db.query(`((${stored}) EXCEPT ALL (${recount})) UNION ALL ((${recount}) EXCEPT ALL (${stored}))`, [orgId]);
    return rows.map((r) => `${name}: ${JSON.stringify(r)}`);
  };
  return [
    ...(await diff(
      "org_execution_totals",
      `SELECT status::text, shard::int, count::int FROM org_execution_totals WHERE "orgId" = $1 AND count <> 0`,
      `SELECT status::text, ("workflowId" % 16)::int AS shard, count(*)::int FROM executions WHERE "orgId" = $1 GROUP BY 1, 2`,
    )),
    ...(await diff(
      "execution_created_rollup",
      `SELECT "grainHours"::int AS g, bucket, "workflowId"::text AS w, status::text, count::int FROM execution_created_rollup WHERE "orgId" = $1 AND count <> 0`,
      `SELECT g.h AS g, date_trunc(CASE g.h WHEN 1 THEN 'hour' ELSE 'day' END, "createdAt", 'UTC') AS bucket, "workflowId"::text AS w, status::text, count(*)::int
         FROM executions, (VALUES (1), (24)) g(h) WHERE "orgId" = $1 GROUP BY 1, 2, 3, 4`,
    )),
    ...(await diff(
      "execution_daily",
      `SELECT "workflowId"::text AS w, day, status::text, count::int, "durationSumMs"::text AS sum, histogram::text AS hist
         FROM execution_daily WHERE "orgId" = $1 AND count <> 0`,
      `SELECT d.w, d.day, d.status, d.count, d.sum, (SELECT array_agg(v ORDER BY i)::text FROM (
                SELECT u.i, sum(u.v)::int AS v FROM execution_hourly h, unnest(h.histogram) WITH ORDINALITY u(v, i)
                 WHERE h."orgId" = $1 AND h."workflowId" = d.w::bigint AND h.status::text = d.status AND h.hour >= d.day AND h.hour < d.day + interval '1 day'
                 GROUP BY u.i) s) AS hist
         FROM (SELECT "workflowId"::text AS w, date_trunc('day', hour, 'UTC') AS day, status::text, sum(count)::int AS count, sum("durationSumMs")::text AS sum
                 FROM execution_hourly WHERE "orgId" = $1 GROUP BY 1, 2, 3) d
        WHERE d.count <> 0`,
    )),
  ];
}

export async function expectRollupsMatchRecount(orgId: string): Promise<void> {
  const differences = await rollupDifferences(orgId);
  if (differences.length) throw new Error(`rollups differ from a recount:\n${differences.slice(0, 20).join("\n")}`);
}
