// The data generator end to end: `npm run gen` into a database of its own (so the empty-table
// path that drops and rebuilds indexes runs), then `runwatch verify`, the hourly aggregate
// against a recount from executions, the timeline and the distributions.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUCKET_UPPER_MS } from "../../server/metrics/histogram";
import { findRealServer, withDatabase } from "../setup/provision-db";

const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const EXECUTIONS = 20_000;

type Run = { code: number; stdout: string; stderr: string };

function run(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: projectRoot, env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

// a real PostgreSQL server: the generator creates a database, which embedded PGlite cannot
const serverUrl = await findRealServer();
const databaseUrl = serverUrl ? withDatabase(serverUrl, `rw_gen_test_${randomBytes(5).toString("hex")}`) : "";
const tsx = path.join(projectRoot, "node_modules", "tsx", "dist", "cli.mjs");

let db: pg.Client;
let report: {
  executions: number;
  events: number;
  stuck: number;
  statusCounts: Record<string, number>;
  largestOrg: { slug: string; executions: number };
  indexesDeferred: boolean;
};
let genRun: Run;

describe.skipIf(!serverUrl)("npm run gen (needs a PostgreSQL server: DATABASE_URL or 127.0.0.1:5432)", () => {
  beforeAll(async () => {
    genRun = await run([tsx, "scripts/gen.ts", "--executions", String(EXECUTIONS), "--orgs", "5", "--workflows", "30", "--seed", "7", "--chunk", "5000", "--database-url", databaseUrl], {});
    if (genRun.code !== 0) throw new Error(`gen failed: ${genRun.stderr}`);
    report = JSON.parse(genRun.stdout.trimEnd().split("\n").at(-1)!);
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
  }, 180_000);

  afterAll(async () => {
    await db?.end();
    if (serverUrl) {
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${new URL(databaseUrl).pathname.slice(1)}" WITH (FORCE)`);
      await admin.end();
    }
  });

  it("writes the requested executions with a progress bar, into empty tables with deferred indexes", async () => {
    expect(report.executions).toBe(EXECUTIONS);
    expect(report.indexesDeferred).toBe(true);
    expect(genRun.stderr).toMatch(/rows\/s .*ETA/);
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM executions");
    expect(rows[0]!.n).toBe(EXECUTIONS);
    // every index and constraint the migrations made is back
    const { rows: idx } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_index WHERE indrelid IN ('executions'::regclass, 'execution_events'::regclass, 'processed_events'::regclass)`,
    );
    expect(idx[0]!.n).toBeGreaterThanOrEqual(14);
    const { rows: fks } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = 'executions'::regclass AND contype = 'f'`);
    expect(fks[0]!.n).toBe(2);
    // a timeline partitioned by month gets its months before the load: nothing in the default partition
    const { rows: parts } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_class WHERE relname = 'execution_events_default'`);
    if (parts[0]!.n) {
      const { rows: stray } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM execution_events_default`);
      expect(stray[0]!.n).toBe(0);
    }
  });

  it("passes runwatch verify", async () => {
    const v = await run([path.join(projectRoot, "bin", "runwatch.js"), "verify", "--json"], { DATABASE_URL: databaseUrl, RUNWATCH_DB_POOL_SIZE: "2" });
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout.trimEnd().split("\n").at(-1)!)).toMatchObject({ ok: true, differences: [] });
  });

  it("keeps the hourly aggregate equal to a recount from executions", async () => {
    // width_bucket over the bucket bounds is bucketOf: the number of bounds at or below the value
    const { rows } = await db.query<{ missing: number; extra: number; rows: number }>(
      `WITH recount AS (
         SELECT "orgId", "workflowId", hour, status, sum(n)::int AS count, sum(d)::bigint AS "durationSumMs",
                array_agg(n ORDER BY k) AS histogram
         FROM (
           SELECT "orgId", "workflowId", hour, status, k, count(*)::int AS n, sum(d) AS d
           FROM (SELECT "orgId", "workflowId", date_trunc('hour', "completedAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour, status,
                        "durationMs" AS d, width_bucket("durationMs", $1::bigint[]) AS k
                 FROM executions WHERE "completedAt" IS NOT NULL) x
           GROUP BY 1, 2, 3, 4, 5
         ) b GROUP BY 1, 2, 3, 4
       ), stored AS (
         SELECT "orgId", "workflowId", hour, status, count, "durationSumMs",
                ARRAY(SELECT v FROM unnest(histogram) WITH ORDINALITY AS u(v, i) WHERE v > 0 ORDER BY i) AS histogram
         FROM execution_hourly
       )
       SELECT (SELECT count(*)::int FROM (SELECT * FROM recount EXCEPT SELECT * FROM stored) a) AS missing,
              (SELECT count(*)::int FROM (SELECT * FROM stored EXCEPT SELECT * FROM recount) b) AS extra,
              (SELECT count(*)::int FROM stored) AS rows`,
      [BUCKET_UPPER_MS],
    );
    expect(rows[0]!.rows).toBeGreaterThan(100);
    expect(rows[0]).toMatchObject({ missing: 0, extra: 0 });
    // the histograms put each duration in the same bucket as bucketOf would (checked bucket by bucket)
    const { rows: sums } = await db.query<{ a: string; b: string }>(
      `SELECT (SELECT sum(v)::text FROM execution_hourly, unnest(histogram) v) AS a, (SELECT count(*)::text FROM executions WHERE "completedAt" IS NOT NULL) AS b`,
    );
    expect(sums[0]!.a).toBe(sums[0]!.b);
  });

  it("gives every execution a timeline whose claims match processed_events", async () => {
    const { rows } = await db.query<{ bare: number; perExecution: number; claims: number; processed: number; orphan: number }>(
      `SELECT
         (SELECT count(*)::int FROM executions e WHERE NOT EXISTS
            (SELECT 1 FROM execution_events v WHERE v."orgId" = e."orgId" AND v."executionId" = e."executionId")) AS bare,
         (SELECT count(*)::float / (SELECT count(*) FROM executions) FROM execution_events) AS "perExecution",
         (SELECT count(DISTINCT ("orgId", "eventId"))::int FROM execution_events) AS claims,
         (SELECT count(*)::int FROM processed_events) AS processed,
         (SELECT count(*)::int FROM processed_events p WHERE NOT EXISTS
            (SELECT 1 FROM execution_events v WHERE v."orgId" = p."orgId" AND v."eventId" = p."eventId")) AS orphan`,
    );
    const r = rows[0]!;
    expect(r.bare).toBe(0);
    expect(r.perExecution).toBeGreaterThan(3.5);
    expect(r.perExecution).toBeLessThan(4.5);
    expect(r.processed).toBe(r.claims);
    expect(r.orphan).toBe(0);
    const { rows: outcomes } = await db.query<{ outcome: string; share: number }>(
      `SELECT outcome, count(*)::float / sum(count(*)) OVER () AS share FROM execution_events GROUP BY outcome`,
    );
    const share = Object.fromEntries(outcomes.map((o) => [o.outcome, o.share]));
    expect(share.APPLIED).toBeGreaterThan(0.9);
    for (const o of ["DUPLICATE", "STALE", "REJECTED"]) expect(share[o], o).toBeGreaterThan(0.002);
    // a resent eventId is on the timeline twice and claimed once
    const { rows: resent } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM execution_events GROUP BY "orgId", "eventId" HAVING count(*) > 1) x`,
    );
    expect(resent[0]!.n).toBeGreaterThan(0);
  });

  it("has a realistic status mix, about 1 % stuck, ContinueAsNew chains and a skewed largest organization", async () => {
    const { rows } = await db.query<{ status: string; share: number }>(
      `SELECT status::text, count(*)::float / sum(count(*)) OVER () AS share FROM executions GROUP BY status`,
    );
    const share = Object.fromEntries(rows.map((r) => [r.status, r.share]));
    expect(share.COMPLETED).toBeGreaterThan(0.75);
    expect(share.COMPLETED).toBeLessThan(0.9);
    for (const [s, lo, hi] of [["FAILED", 0.03, 0.12], ["TIMED_OUT", 0.005, 0.03], ["CANCELLED", 0.015, 0.05], ["CONTINUED_AS_NEW", 0.01, 0.05]] as const) {
      expect(share[s], s).toBeGreaterThan(lo);
      expect(share[s], s).toBeLessThan(hi);
    }
    const active = (share.PENDING ?? 0) + (share.SCHEDULED ?? 0) + (share.RUNNING ?? 0) + (share.WAITING ?? 0);
    expect(active).toBeGreaterThan(0.02);
    expect(active).toBeLessThan(0.06);

    // CONTRACT.md §2 in SQL with the workflows' overrides, against the server's clock
    const { rows: stuck } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM executions e JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
       JOIN organizations o ON o.id = e."orgId"
       WHERE (e.status = 'SCHEDULED' AND e."statusChangedAt" < now() - make_interval(secs => coalesce(w."stuckScheduledAfterSeconds", o."stuckScheduledAfterSeconds")))
          OR (e.status = 'RUNNING' AND GREATEST(e."startedAt", e."lastHeartbeatAt", e."lastEventAt") < now() - make_interval(secs => coalesce(w."stuckRunningAfterSeconds", o."stuckRunningAfterSeconds")))`,
    );
    expect(stuck[0]!.n / EXECUTIONS).toBeGreaterThan(0.006);
    expect(stuck[0]!.n / EXECUTIONS).toBeLessThan(0.016);
    expect(Math.abs(stuck[0]!.n - report.stuck)).toBeLessThanOrEqual(report.stuck * 0.05 + 5);

    const { rows: links } = await db.query<{ broken: number; linked: number }>(
      `SELECT count(*) FILTER (WHERE s."executionId" IS NULL OR s."continuedFromId" IS DISTINCT FROM e."executionId")::int AS broken,
              count(*)::int AS linked
       FROM executions e LEFT JOIN executions s ON s."orgId" = e."orgId" AND s."executionId" = e."continuedAsNewToId"
       WHERE e.status = 'CONTINUED_AS_NEW'`,
    );
    expect(links[0]!.linked).toBeGreaterThan(0);
    expect(links[0]!.broken).toBe(0);

    // the largest organization's share is what puts 1M+ executions in one organization at 10M
    expect(report.largestOrg.executions / EXECUTIONS).toBeGreaterThan(0.2);
  });
});
