// 20261201191000_active_running_totals on a database as the previous release left it: running
// totals and the created-at rollup held terminal executions only. After the upgrade both count
// the active ones too, and equal a recount from the executions.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { applyMigrations } from "../../server/db/migrate";
import { provisionTestDatabase, type TestDatabase } from "../setup/provision-db";
import { rollupDifferences } from "./rollup-helpers";

const PREVIOUS = "20261201190000_stuck_covering_indexes";
const ORG = randomUUID();

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await provisionTestDatabase(inject("databaseKind") === "server" ? process.env.DATABASE_URL : "", { until: PREVIOUS });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await db?.teardown();
});

it("backfills the active statuses into the running totals and the created-at rollup", async () => {
  await client.query(`INSERT INTO organizations (id, slug, name, "updatedAt") VALUES ($1, 'old-org', 'Old Org', now())`, [ORG]);
  await client.query(`INSERT INTO workflows ("orgId", key, name) VALUES ($1, 'billing', 'Billing'), ($1, 'reports', 'Reports')`, [ORG]);
  // one finished execution (counted by the old code) and active ones of every status, over two days
  await client.query(
    `INSERT INTO executions ("orgId", "executionId", "workflowId", status, "statusChangedAt", "createdAt", "lastEventAt")
     SELECT $1, x.id, w.id, x.status::"ExecutionStatus", x.at::timestamptz, x.at::timestamptz, x.at::timestamptz
       FROM (VALUES ('done', 'billing', 'COMPLETED', '2026-11-29T10:15:00Z'), ('r1', 'billing', 'RUNNING', '2026-11-29T10:20:00Z'),
                    ('r2', 'reports', 'RUNNING', '2026-11-30T23:59:59Z'), ('s1', 'billing', 'SCHEDULED', '2026-11-30T00:00:00Z'),
                    ('p1', 'reports', 'PENDING', '2026-11-30T08:00:00Z'), ('w1', 'billing', 'WAITING', '2026-11-29T10:45:00Z')) AS x(id, wf, status, at)
       JOIN workflows w ON w."orgId" = $1 AND w.key = x.wf`,
    [ORG],
  );
  await client.query(
    `INSERT INTO org_execution_totals ("orgId", status, shard, count) SELECT "orgId", status, ("workflowId" % 16)::smallint, 1 FROM executions WHERE "orgId" = $1 AND status = 'COMPLETED'`,
    [ORG],
  );
  await client.query(
    `INSERT INTO execution_created_rollup ("orgId", "grainHours", bucket, "workflowId", status, count)
     SELECT "orgId", g.h, date_trunc(CASE g.h WHEN 1 THEN 'hour' ELSE 'day' END, "createdAt", 'UTC'), "workflowId", status, 1
       FROM executions, (VALUES (1::smallint), (24::smallint)) g(h) WHERE "orgId" = $1 AND status = 'COMPLETED'`,
    [ORG],
  );
  // what the old code left: the active executions are missing from both
  const before = await rollupDifferences(ORG, client);
  expect(before.filter((d) => d.startsWith("org_execution_totals"))).toHaveLength(5);
  expect(before.some((d) => d.startsWith("execution_created_rollup"))).toBe(true);

  expect(await applyMigrations(db.url)).toContain("20261201191000_active_running_totals");
  expect(await rollupDifferences(ORG, client)).toEqual([]);
  const { rows } = await client.query(`SELECT status::text, sum(count)::int AS n FROM org_execution_totals WHERE "orgId" = $1 GROUP BY 1 ORDER BY 1`, [ORG]);
  expect(rows).toEqual([
    { status: "COMPLETED", n: 1 },
    { status: "PENDING", n: 1 },
    { status: "RUNNING", n: 2 },
    { status: "SCHEDULED", n: 1 },
    { status: "WAITING", n: 1 },
  ]);
});
