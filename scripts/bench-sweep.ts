// Benchmark of the monitor's sweep: N executions (default 1,000,000) of which 10,000 are active,
// generated with INSERT … SELECT generate_series into a throwaway database, then the sweep timed
// in steady state (stuck executions already alerted) and with everything active stuck, and the
// list's capped count of stuck=true in the organization with the most active executions. Prints
// the load average beside the figures: the machine is shared.
//
//   npx tsx scripts/bench-sweep.ts [--rows 1000000] [--active 10000] [--stuck-percent 2] [--runs 50] [--keep]
//
// DATABASE_URL names the server (default postgresql://postgres@127.0.0.1:5432/postgres); the
// database runwatch_bench_sweep_<random> is created there and dropped afterwards (unless --keep).
import os from "node:os";
import { parseArgs } from "node:util";
import { explainableCountQuery } from "../server/executions/queries";
import { COUNT_CAP } from "../server/paging/limits";
import { stuckSet, stuckSetSql } from "../server/monitor/queries";
import { sweep } from "../server/monitor/sweep";
import { say, stats, timed, withScratchDatabase } from "./bench-lib";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    active: { type: "string", default: "10000" },
    "stuck-percent": { type: "string", default: "2" },
    orgs: { type: "string", default: "50" },
    workflows: { type: "string", default: "20" },
    runs: { type: "string", default: "50" },
    keep: { type: "boolean", default: false },
  },
});
const ROWS = Number(values.rows);
const ACTIVE = Number(values.active);
const STUCK_PCT = Number(values["stuck-percent"]);
const ORGS = Number(values.orgs);
const WF_PER_ORG = Number(values.workflows);
const RUNS = Number(values.runs);

async function main() {
  await withScratchDatabase("runwatch_bench_sweep", values.keep, async (client, dbName) => {
    say(`database ${dbName}: generating ${ROWS.toLocaleString()} executions (${ACTIVE.toLocaleString()} active, ${STUCK_PCT}% of them stuck)…`);
    const [, genMs] = await timed(async () => {
      await client.query(`INSERT INTO organizations (id, slug, name, "updatedAt") SELECT gen_random_uuid(), 'bench-' || g, 'Bench ' || g, now() FROM generate_series(1, $1) g`, [ORGS]);
      await client.query(
        `INSERT INTO workflows ("orgId", key, name) SELECT o.id, 'wf-' || g, 'Workflow ' || g FROM organizations o, generate_series(1, $1) g`,
        [WF_PER_ORG],
      );
      await client.query(`CREATE TEMP TABLE wf AS SELECT row_number() OVER (ORDER BY "orgId", id) - 1 AS n, "orgId", id FROM workflows`);
      const wfCount = ORGS * WF_PER_ORG;
      // terminal executions, finished over the last 30 days
      await client.query(
        `INSERT INTO executions ("orgId", "executionId", "workflowId", status, "statusChangedAt", "createdAt", "scheduledAt", "startedAt", "lastEventAt", "completedAt", "durationMs")
         SELECT wf."orgId", 'x-' || g, wf.id,
                (CASE WHEN g % 10 = 0 THEN 'FAILED' WHEN g % 50 = 1 THEN 'CANCELLED' ELSE 'COMPLETED' END)::"ExecutionStatus",
                t + interval '30 seconds', t, t, t + interval '1 second', t + interval '30 seconds', t + interval '30 seconds', 29000
         FROM generate_series(1, $1) g
         JOIN wf ON wf.n = g % $2
         -- g in the subquery keeps random() per row (an uncorrelated subquery is evaluated once)
         CROSS JOIN LATERAL (SELECT now() - interval '30 days' * random() + interval '0 s' * g AS t) x`,
        [ROWS - ACTIVE, wfCount],
      );
      // active executions: half SCHEDULED, half RUNNING (with heartbeats); a few percent stuck
      await client.query(
        `INSERT INTO executions ("orgId", "executionId", "workflowId", status, "statusChangedAt", "createdAt", "scheduledAt", "startedAt", "lastHeartbeatAt", "lastEventAt")
         SELECT wf."orgId", 'a-' || g, wf.id, s.status::"ExecutionStatus", t, t - interval '1 second', t - interval '1 second',
                CASE WHEN s.status = 'RUNNING' THEN t END, CASE WHEN s.status = 'RUNNING' THEN t END, t
         FROM generate_series(1, $1) g
         JOIN wf ON wf.n = g % $2
         CROSS JOIN LATERAL (SELECT CASE WHEN g % 2 = 0 THEN 'SCHEDULED' ELSE 'RUNNING' END AS status) s
         CROSS JOIN LATERAL (SELECT CASE WHEN random() * 100 + 0 * g < $3 THEN now() - interval '2 hours' ELSE now() - interval '10 seconds' * random() END AS t) x`,
        [ACTIVE, wfCount, STUCK_PCT],
      );
      await client.query(`VACUUM ANALYZE`);
    });
    const {
      rows: [size],
    } = await client.query(`SELECT count(*)::int AS executions, count(*) FILTER (WHERE status IN ('PENDING','SCHEDULED','RUNNING','WAITING'))::int AS active, pg_size_pretty(pg_total_relation_size('executions')) AS size FROM executions`);
    say(`generated in ${(genMs / 1000).toFixed(1)} s: ${JSON.stringify(size)}`);

    const runSweep = async () => {
      await client.query("BEGIN");
      // as the monitor's sweeps between two recounts of the stuck gauge (timed on their own below)
      const r = await sweep(client, { now: new Date(), failureRate: false, baseUrl: "http://bench", countStuck: false });
      await client.query("COMMIT");
      return r;
    };

    // first sweep opens the alerts; later sweeps are the steady state
    const [first, firstMs] = await timed(runSweep);
    say(`first sweep: ${first.stuck} stuck, ${first.opened.length} alerts opened in ${firstMs.toFixed(1)} ms`);
    for (let i = 0; i < 3; i++) await runSweep();
    const steady: number[] = [];
    for (let i = 0; i < RUNS; i++) steady.push((await timed(runSweep))[1]);

    const withGauge: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      withGauge.push(
        (
          await timed(async () => {
            await client.query("BEGIN");
            await sweep(client, { now: new Date(), failureRate: false, baseUrl: "http://bench" });
            await client.query("COMMIT");
          })
        )[1],
      );
    }

    const queryOnly: number[] = [];
    for (let i = 0; i < RUNS; i++) queryOnly.push((await timed(() => stuckSet(client, new Date(), null)))[1]);

    const failureRate: number[] = [];
    for (let i = 0; i < Math.min(RUNS, 20); i++) {
      failureRate.push(
        (
          await timed(async () => {
            await client.query("BEGIN");
            await sweep(client, { now: new Date(), failureRate: true, baseUrl: "http://bench" });
            await client.query("ROLLBACK");
          })
        )[1],
      );
    }
    const { rows: plan } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${stuckSetSql(new Date(), null).text}`, [new Date(), null]);

    // the list's capped count of stuck=true: the app's SQL, run on this database
    const {
      rows: [big],
    } = await client.query<{ orgId: string }>(`SELECT "orgId" FROM executions WHERE status IN ('SCHEDULED', 'RUNNING') GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`);
    const count = (await explainableCountQuery(client, big!.orgId, { stuck: true }, COUNT_CAP))!;
    const stuckCount: number[] = [];
    let counted = 0;
    for (let i = 0; i < RUNS * 2; i++) stuckCount.push((await timed(async () => (counted = (await client.query<{ n: number }>(count.sql, count.values)).rows[0]!.n)))[1]);
    const { rows: countPlan } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${count.sql}`, count.values);

    const report = {
      executions: size.executions,
      active: size.active,
      stuck: first.stuck,
      tableSize: size.size,
      generateSeconds: +(genMs / 1000).toFixed(1),
      firstSweepMs: +firstMs.toFixed(2),
      steadySweepMs: stats(steady),
      steadySweepWithStuckGaugeMs: stats(withGauge),
      stuckQueryMs: stats(queryOnly),
      sweepWithFailureRateMs: stats(failureRate),
      stuckCappedCount: counted,
      stuckCappedCountMs: stats(stuckCount),
      runs: RUNS,
      loadAverage: os.loadavg().map((l) => +l.toFixed(2)),
    };
    say(plan.map((r) => r["QUERY PLAN"]).join("\n"));
    say(countPlan.map((r) => r["QUERY PLAN"]).join("\n"));
    process.stdout.write(`${JSON.stringify(report)}\n`);
  });
}

await main();
