// Benchmark of the monitor's missed-run check (server/monitor/missed.ts): W scheduled workflows
// (default 2,000 in 20 organizations: half cron in several time zones, half everySeconds) over N
// executions (default 1,000,000), generated with INSERT … SELECT generate_series into a throwaway
// database. A fifth of the workflows have been silent for a day, so they carry open missed
// alerts whose count moves; the rest ran recently. Timed: the first check (opens the alerts,
// steps every cron expression once), the catch-up (counting a day of missed slots, a bounded
// number per check), then the steady state, which is what every sweep costs.
//
//   npm run bench:missed -- [--rows 1000000] [--orgs 20] [--workflows 100] [--runs 50] [--keep]
//
// DATABASE_URL names the server (default postgresql://postgres@127.0.0.1:5432/postgres); the
// database runwatch_bench_missed_<random> is created there and dropped afterwards (unless --keep).
import { parseArgs } from "node:util";
import pg from "pg";
import { checkMissedRuns } from "../server/monitor/missed";
import { missedCheckRows, missedCheckSql } from "../server/monitor/queries";
import { say, stats, timed, withScratchDatabase } from "./bench-lib";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    orgs: { type: "string", default: "20" },
    workflows: { type: "string", default: "100" },
    runs: { type: "string", default: "50" },
    keep: { type: "boolean", default: false },
  },
});
const ROWS = Number(values.rows);
const ORGS = Number(values.orgs);
const WF_PER_ORG = Number(values.workflows);
const RUNS = Number(values.runs);

async function inTransaction<T>(client: pg.Client, fn: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const r = await fn();
    await client.query("COMMIT");
    return r;
  } catch (err) {
    await client.query("ROLLBACK");
    throw err;
  }
}

async function main() {
  await withScratchDatabase("runwatch_bench_missed", values.keep, async (client, dbName) => {
    const wfCount = ORGS * WF_PER_ORG;
    say(`database ${dbName}: ${ORGS} organizations × ${WF_PER_ORG} scheduled workflows, ${ROWS.toLocaleString()} executions…`);
    const [, genMs] = await timed(async () => {
      await client.query(`INSERT INTO organizations (id, slug, name, "updatedAt") SELECT gen_random_uuid(), 'bench-' || g, 'Bench ' || g, now() FROM generate_series(1, $1) g`, [ORGS]);
      // schedules: hourly in Berlin (10 min grace), every 5 min in New York, daily 02:30 in Tokyo, every 15 min / hour / day
      await client.query(
        `INSERT INTO workflows ("orgId", key, name, schedule, "scheduleSetAt")
         SELECT o.id, 'wf-' || g, 'Workflow ' || g,
                (CASE g % 6
                   WHEN 0 THEN '{"cron": "0 * * * *", "timezone": "Europe/Berlin", "graceSeconds": 600}'
                   WHEN 1 THEN '{"cron": "*/5 * * * *", "timezone": "America/New_York", "graceSeconds": 120}'
                   WHEN 2 THEN '{"cron": "30 2 * * *", "timezone": "Asia/Tokyo", "graceSeconds": 1800}'
                   WHEN 3 THEN '{"everySeconds": 900}'
                   WHEN 4 THEN '{"everySeconds": 3600}'
                   ELSE '{"everySeconds": 86400}' END)::jsonb,
                now() - interval '40 days'
         FROM organizations o, generate_series(1, $1) g`,
        [WF_PER_ORG],
      );
      // a few unscheduled workflows too, which the check must not read
      await client.query(`INSERT INTO workflows ("orgId", key, name) SELECT o.id, 'plain-' || g, 'Plain ' || g FROM organizations o, generate_series(1, 50) g`);
      await client.query(`CREATE TEMP TABLE wf AS SELECT row_number() OVER (ORDER BY "orgId", id) - 1 AS n, "orgId", id FROM workflows WHERE schedule IS NOT NULL`);
      // executions over the last 30 days; every fifth workflow went silent a day ago
      await client.query(
        `INSERT INTO executions ("orgId", "executionId", "workflowId", status, "statusChangedAt", "createdAt", "startedAt", "lastEventAt", "completedAt", "durationMs")
         SELECT wf."orgId", 'x-' || g, wf.id, 'COMPLETED'::"ExecutionStatus", t + interval '30 seconds', t, t, t + interval '30 seconds', t + interval '30 seconds', 29000
         FROM generate_series(1, $1) g
         JOIN wf ON wf.n = g % $2
         CROSS JOIN LATERAL (SELECT CASE WHEN wf.n % 5 = 0 THEN now() - interval '1 day' - interval '29 days' * random()
                                         ELSE now() - interval '30 days' * power(random(), 4) END + interval '0 s' * g AS t) x`,
        [ROWS, wfCount],
      );
      // the recent ones: an execution a minute ago
      await client.query(
        `INSERT INTO executions ("orgId", "executionId", "workflowId", status, "statusChangedAt", "createdAt", "startedAt", "lastEventAt")
         SELECT wf."orgId", 'recent-' || wf.n, wf.id, 'RUNNING', now() - interval '1 minute', now() - interval '1 minute', now() - interval '1 minute', now() - interval '1 minute'
         FROM wf WHERE wf.n % 5 <> 0`,
      );
      await client.query(`ANALYZE`);
    });
    say(`generated in ${(genMs / 1000).toFixed(1)} s`);

    const [first, firstMs] = await timed(() => inTransaction(client, () => checkMissedRuns(client, { now: new Date(), baseUrl: "http://bench" })));
    say(`first check: ${firstMs.toFixed(1)} ms, ${JSON.stringify(first)}`);

    // the first checks also count the slots the silent workflows missed over the last day, a
    // bounded number per check (SLOT_BUDGET_PER_CHECK): run until that catch-up is done
    let catchUpChecks = 0;
    let catchUpMs = 0;
    for (let r = first; r.counted > 0 || r.opened > 0; catchUpChecks++) {
      const [next, ms] = await timed(() => inTransaction(client, () => checkMissedRuns(client, { now: new Date(), baseUrl: "http://bench" })));
      catchUpMs += ms;
      r = next;
      if (catchUpChecks > 1000) break;
    }
    say(`catch-up: ${catchUpChecks} checks, ${catchUpMs.toFixed(0)} ms in all`);

    const sqlMs: number[] = [];
    const checkMs: number[] = [];
    const nodeCpuMs: number[] = [];
    let last = first;
    for (let i = 0; i < RUNS; i++) {
      sqlMs.push((await timed(() => missedCheckRows(client, new Date())))[1]);
      // inside the sweep's transaction, as the monitor runs it: the check's own cost
      await client.query("BEGIN");
      const cpu = process.cpuUsage();
      const [r, ms] = await timed(() => checkMissedRuns(client, { now: new Date(), baseUrl: "http://bench" }));
      const used = process.cpuUsage(cpu);
      await client.query("COMMIT");
      checkMs.push(ms);
      nodeCpuMs.push((used.user + used.system) / 1000);
      last = r;
    }
    // the silent workflows run again: their alerts resolve, and the checks read only the due ones
    await client.query(
      `INSERT INTO executions ("orgId", "executionId", "workflowId", status, "statusChangedAt", "createdAt", "startedAt", "lastEventAt")
       SELECT wf."orgId", 'back-' || wf.n, wf.id, 'RUNNING', now(), now(), now(), now() FROM wf WHERE wf.n % 5 = 0`,
    );
    const [recovered] = await timed(() => inTransaction(client, () => checkMissedRuns(client, { now: new Date(), baseUrl: "http://bench" })));
    await inTransaction(client, () => checkMissedRuns(client, { now: new Date(), baseUrl: "http://bench" }));
    const quietMs: number[] = [];
    let quietLast = recovered;
    for (let i = 0; i < RUNS; i++) {
      await client.query("BEGIN");
      const [r, ms] = await timed(() => checkMissedRuns(client, { now: new Date(), baseUrl: "http://bench" }));
      await client.query("COMMIT");
      quietMs.push(ms);
      quietLast = r;
    }

    const plan = (await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) ${missedCheckSql(new Date()).text}`, [new Date(), null])).rows.map((r) => r["QUERY PLAN"]);
    const execTime = plan.find((l) => l.startsWith("Execution Time"));
    const usesIndex = plan.some((l) => l.includes("executions_orgId_workflowId_createdAt_id_idx"));
    const openAlerts = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM alerts WHERE reason = 'missed' AND state <> 'RESOLVED'`)).rows[0]!.n;

    const out = {
      dataset: { organizations: ORGS, scheduledWorkflows: wfCount, executions: ROWS + Math.floor(wfCount * 0.8), openMissedAlerts: openAlerts, generateSeconds: +(genMs / 1000).toFixed(1) },
      firstCheckMs: +firstMs.toFixed(2),
      catchUp: { checks: catchUpChecks, totalMs: +catchUpMs.toFixed(0) },
      load: (await import("node:os")).loadavg().map((l) => +l.toFixed(2)),
      steadyCheckMs: stats(checkMs),
      sqlOnlyMs: stats(sqlMs),
      nodeCpuMsPerCheck: stats(nodeCpuMs),
      lastResult: last,
      allOnSchedule: { resolvedWhenTheyRanAgain: recovered.resolved, checkMs: stats(quietMs), lastResult: quietLast },
      explain: { executionTime: execTime, usesCreatedAtIndex: usesIndex },
      target: "≤ 20 ms per sweep",
      met: { with400OpenAlerts: stats(checkMs).median <= 20, allOnSchedule: stats(quietMs).median <= 20 },
    };
    console.log(JSON.stringify(out, null, 2));
  });
}

await main();
