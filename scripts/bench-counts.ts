// npm run bench:counts -- [--database-url URL] [--runs 30]
// In-process figures of issue 15's counters, exact counts and charts on the organization with
// the most executions of a generated dataset (npm run gen): the header with no range and with
// each preset, the list's count per filter, and the charts over 24 h … 90 d. Read-only. Prints
// p50/p95 beside the targets and the load average, since the machine may be shared.
import os from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { say, stats, timed } from "./bench-lib";

const { values } = parseArgs({ options: { "database-url": { type: "string" }, runs: { type: "string", default: "30" } }, strict: true });
const databaseUrl = values["database-url"] ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/rw_scale_10m";
process.env.DATABASE_URL = databaseUrl;
const RUNS = Math.max(3, Number(values.runs));

const { countExecutions, getCounters } = await import("../server/aggregates/counters");
const { filterOfUrlState, filterUrlStateSchema } = await import("../server/executions/filters");
/** a filter as the dashboard sends it, resolved as filterOfQuery does */
const filterOf = (s: import("../server/executions/filters").FilterUrlStateInput) => filterOfUrlState(filterUrlStateSchema.parse(s), new Date());
const { getExecutionCharts } = await import("../server/aggregates/charts");
const { closeDb } = await import("../server/db/client");

const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();
const { rows: orgs } = await db.query<{ orgId: string; n: string }>(`SELECT "orgId", count(*)::text AS n FROM executions GROUP BY 1 ORDER BY 2 DESC LIMIT 1`);
const { orgId, n } = orgs[0]!;
const { rows: wfs } = await db.query<{ key: string }>(
  `SELECT w.key FROM executions e JOIN workflows w ON w.id = e."workflowId" WHERE e."orgId" = $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
  [orgId],
);
await db.end();
const workflow = wfs[0]!.key;
const DAY = 86_400_000;
const now = Date.now();
const ago = (ms: number) => new Date(now - ms);
const presets = [
  ["24h", DAY],
  ["7d", 7 * DAY],
  ["30d", 30 * DAY],
  ["90d", 90 * DAY],
] as const;

type Row = { measure: string; p50: number; p95: number; value: string; target: string };
const rows: Row[] = [];
async function measure(label: string, target: string, fn: () => Promise<unknown>, show: (r: unknown) => string) {
  const first = await fn();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) ms.push((await timed(fn))[1]);
  const s = stats(ms);
  rows.push({ measure: label, p50: s.median, p95: s.p95, value: show(first), target });
}
type Counters = Awaited<ReturnType<typeof getCounters>>;
const header = (r: unknown) => {
  const c = r as Counters;
  return `total ${c.total.display}, failed ${c.failed.display}, rate ${c.successRate === null ? "—" : (c.successRate * 100).toFixed(1) + "%"}`;
};
const count = (r: unknown) => (r as { display: string }).display;
const chart = (r: unknown) => {
  const c = r as Awaited<ReturnType<typeof getExecutionCharts>>;
  return `${c.points.length} points of ${c.bucketMs / 3_600_000} h`;
};

say(`bench:counts on ${databaseUrl.replace(/\/\/[^@]*@/, "//")}: org ${orgId} (${Number(n).toLocaleString("en-US")} executions), ${RUNS} runs each`);
await measure("counters, no range", "p50 ≤ 25, p95 ≤ 50 (HTTP)", () => getCounters({ orgId }, {}), header);
for (const [label, ms] of presets) await measure(`counters ${label}`, "exact", () => getCounters({ orgId }, { filter: filterOf({ from: ago(ms) }) }), header);
await measure("count FAILED", "p50 ≤ 6, p95 ≤ 12 (HTTP)", () => countExecutions({ orgId }, { filter: filterOf({ statuses: ["FAILED"] }) }), count);
await measure("count FAILED 24h", "p50 ≤ 6, p95 ≤ 12 (HTTP)", () => countExecutions({ orgId }, { filter: filterOf({ statuses: ["FAILED"], from: ago(DAY) }) }), count);
await measure("count FAILED 7d", "p50 ≤ 6, p95 ≤ 12 (HTTP)", () => countExecutions({ orgId }, { filter: filterOf({ statuses: ["FAILED"], from: ago(7 * DAY) }) }), count);
await measure(`count workflow ${workflow}`, "p50 ≤ 6, p95 ≤ 12 (HTTP)", () => countExecutions({ orgId }, { filter: filterOf({ workflows: [workflow] }) }), count);
await measure("count stuck", "p50 ≤ 6, p95 ≤ 12 (HTTP)", () => countExecutions({ orgId }, { filter: filterOf({ stuck: true }) }), count);
for (const [label, ms] of presets) await measure(`charts ${label}`, "p95 ≤ 100", () => getExecutionCharts({ orgId }, { from: ago(ms) }), chart);
await closeDb();

const load = os.loadavg().map((l) => l.toFixed(2)).join(", ");
const pad = (s: string, w: number) => s.padEnd(w);
console.log(`\n${pad("measure", 34)} ${pad("p50 ms", 8)} ${pad("p95 ms", 8)} ${pad("target", 26)} value`);
for (const r of rows) console.log(`${pad(r.measure, 34)} ${pad(r.p50.toFixed(2), 8)} ${pad(r.p95.toFixed(2), 8)} ${pad(r.target, 26)} ${r.value}`);
console.log(`\nload average ${load} on ${os.cpus().length} cores`);
