// npm run bench: the scale benchmark of issue 6. Measures, on the organization with the most
// executions, the executions list (HTTP and raw SQL, first page and 1,000,000 rows deep, per
// filter) against the naive OFFSET + COUNT(*) way, capped counts, counters and charts, the
// monitor's sweep, ingestion over HTTP against COPY, and the executions page in Chromium.
// Prints one table beside the targets and writes bench-results/bench-<timestamp>.json.
//
//   --database-url URL          the measured database (default DATABASE_URL, else rw_scale_10m)
//   --url http://127.0.0.1:3610 a running server on that database
//   --ingest-url URL            a running server for the ingestion runs (default --url)
//   --ingest-database-url URL   its database (default --database-url); a database other than the
//                               measured one is created and migrated if missing
//   --quick                     fewer runs and 3 s ingestion scenarios
//   --only list,naive,counts,sweep,ingest,browser   a subset of the sections
//
// Nothing here changes the measured data beyond an API key (revoked at the end) and a VIEWER
// user: the sweep and COPY run inside transactions that are rolled back.
import { gzipSync } from "node:zlib";
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";

const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

const { values } = parseArgs({
  options: {
    "database-url": { type: "string" },
    url: { type: "string", default: "http://127.0.0.1:3610" },
    "ingest-url": { type: "string" },
    "ingest-database-url": { type: "string" },
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
  strict: true,
});
if (values.help) {
  console.log("usage: npm run bench -- [--database-url URL] [--url URL] [--ingest-url URL] [--ingest-database-url URL] [--quick] [--only list,naive,counts,sweep,ingest,browser]");
  process.exit(0);
}
const databaseUrl = values["database-url"] ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/rw_scale_10m";
// server modules read DATABASE_URL when first used
process.env.DATABASE_URL = databaseUrl;
const baseUrl = values.url.replace(/\/$/, "");
const ingestUrl = (values["ingest-url"] ?? baseUrl).replace(/\/$/, "");
const ingestDatabaseUrl = values["ingest-database-url"] ?? databaseUrl;
const QUICK = values.quick;
const sections = new Set((values.only ?? "list,naive,counts,sweep,ingest,browser").split(",").map((s) => s.trim()));

const LIST_RUNS = QUICK ? 10 : 50;
const NAIVE_RUNS = QUICK ? 2 : 5;
const SERVICE_RUNS = QUICK ? 10 : 30;
const SWEEP_RUNS = QUICK ? 5 : 20;
const PAGE_LOADS = QUICK ? 2 : 5;
const INGEST_SECONDS = QUICK ? 3 : 10;
const PAGE = 50;
const DEEP = 1_000_000;

const say = (s: string) => process.stderr.write(`${s}\n`);

// ── measuring ──────────────────────────────────────────────────────────────────────────

type Stats = { n: number; p50: number; p95: number; p99: number; max: number };

function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  const r = (n: number) => Math.round(n * 10) / 10;
  return { n: s.length, p50: r(q(0.5)), p95: r(q(0.95)), p99: r(q(0.99)), max: r(s[s.length - 1] ?? NaN) };
}

/** Runs fn `runs` times after `warmup` unmeasured calls; milliseconds per call. */
async function measure(runs: number, fn: () => Promise<unknown>, warmup = 2): Promise<Stats> {
  for (let i = 0; i < warmup; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return stats(ms);
}

type Row = { section: string; measure: string; stats?: Stats; value?: string; target?: string; ok?: boolean; note?: string };
const rows: Row[] = [];
const extra: Record<string, unknown> = {};

// ── the organization and the filters ───────────────────────────────────────────────────

const client = new pg.Client({ connectionString: databaseUrl });
await client.connect();

say(`bench: ${databaseUrl.replace(/\/\/[^@]*@/, "//")}, server ${baseUrl}${QUICK ? ", quick" : ""}`);
const { rows: orgRows } = await client.query<{ orgId: string; n: string }>(
  `SELECT "orgId", count(*)::text AS n FROM executions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
);
const { rows: totalRows } = await client.query<{ n: string }>(`SELECT reltuples::bigint::text AS n FROM pg_class WHERE relname = 'executions'`);
const orgId = orgRows[0]!.orgId;
const orgExecutions = Number(orgRows[0]!.n);
const slug = (await client.query<{ slug: string }>(`SELECT slug FROM organizations WHERE id = $1`, [orgId])).rows[0]!.slug;
say(`organization ${slug}: ${orgExecutions.toLocaleString("en-US")} executions of ~${Number(totalRows[0]!.n).toLocaleString("en-US")}`);

const { listExecutions, countExecutionsCapped, prefixPattern, STUCK_REASON_SQL } = await import("../server/executions/read");
const { encodeCursor } = await import("../server/paging/cursor");
const { pool, closeDb } = await import("../server/db/client");
type ListFilter = Parameters<typeof countExecutionsCapped>[1];
type ExecutionFilter = Parameters<typeof listExecutions>[1];

const topWorkflow = (
  await client.query<{ key: string }>(
    `SELECT w.key FROM workflows w WHERE w."orgId" = $1 ORDER BY (SELECT count(*) FROM executions e WHERE e."orgId" = $1 AND e."workflowId" = w.id) DESC LIMIT 1`,
    [orgId],
  )
).rows[0]!.key;
const newest = (
  await client.query<{ executionId: string; createdAt: Date }>(
    `SELECT "executionId", "createdAt" FROM executions WHERE "orgId" = $1 ORDER BY "createdAt" DESC, id DESC LIMIT 1`,
    [orgId],
  )
).rows[0]!;
// the executionId up to its first "-": a prefix that many ids share (the generator's ids are <workflow>-<n>)
const idPrefix = newest.executionId.includes("-") ? newest.executionId.slice(0, newest.executionId.indexOf("-") + 1) : newest.executionId.slice(0, 2);
const rangeTo = new Date();
const rangeFrom = new Date(rangeTo.getTime() - 7 * 86_400_000);

type FilterCase = {
  name: string;
  label: string;
  query: Record<string, string>;
  api: ExecutionFilter;
  list: ListFilter;
  /** the naive WHERE over e, w, o with parameters from $2 */
  where: string;
  params: unknown[];
};
const filters: FilterCase[] = [
  { name: "none", label: "none", query: {}, api: {}, list: {}, where: "true", params: [] },
  {
    name: "status",
    label: "status=FAILED",
    query: { status: "FAILED" },
    api: { statuses: ["FAILED"] },
    list: { statuses: ["FAILED"] },
    where: `e.status = $2::"ExecutionStatus"`,
    params: ["FAILED"],
  },
  {
    name: "workflow",
    label: `workflow=${topWorkflow}`,
    query: { workflow: topWorkflow },
    api: { workflows: [topWorkflow] },
    list: { workflows: [topWorkflow] },
    where: `w.key = $2`,
    params: [topWorkflow],
  },
  { name: "stuck", label: "stuck=true", query: { stuck: "true" }, api: { stuck: true }, list: { stuck: true }, where: `(${STUCK_REASON_SQL}) IS NOT NULL`, params: [] },
  {
    name: "range7d",
    label: "last 7 days",
    query: { from: rangeFrom.toISOString(), to: rangeTo.toISOString() },
    api: { createdFrom: rangeFrom, createdTo: rangeTo },
    list: { createdFrom: rangeFrom, createdTo: rangeTo },
    where: `e."createdAt" >= $2::timestamptz AND e."createdAt" < $3::timestamptz`,
    params: [rangeFrom, rangeTo],
  },
  {
    name: "idPrefix",
    label: `q=${idPrefix}`,
    query: { q: idPrefix },
    api: { executionIdPrefix: idPrefix },
    list: { executionId: { value: idPrefix, mode: "prefix" } },
    where: `e."executionId" LIKE $2`,
    params: [prefixPattern(idPrefix)],
  },
];

const NAIVE_FROM = `FROM executions e JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId" JOIN organizations o ON o.id = e."orgId"`;
const naiveCount = (f: FilterCase) => ({ sql: `SELECT count(*)::bigint AS n ${NAIVE_FROM} WHERE e."orgId" = $1 AND ${f.where}`, values: [orgId, ...f.params] });

/** Records the SQL the list service sends for one call: the page query is the last one. */
async function captureListSql(f: FilterCase, cursor: { createdAt: string; id: string } | null) {
  const p = pool();
  const original = p.query as unknown as (this: unknown, sql: string, v: unknown[]) => Promise<unknown>;
  const seen: { sql: string; values: unknown[] }[] = [];
  (p as unknown as { query: unknown }).query = (sql: string, v: unknown[]) => {
    seen.push({ sql, values: v });
    return original.call(p, sql, v);
  };
  try {
    const page = await listExecutions(orgId, f.api, { limit: PAGE, cursor });
    return { ...seen[seen.length - 1]!, page };
  } finally {
    (p as unknown as { query: unknown }).query = original;
  }
}

// ── sections ───────────────────────────────────────────────────────────────────────────

let apiKey: { id: string; key: string } | null = null;
const fmt = (n: number) => n.toLocaleString("en-US");
const keysetSqlP50: Record<string, number> = {};
const depths: Record<string, { matches: number; depth: number; cursor: { createdAt: string; id: string } | null }> = {};
const plans: string[] = [];

async function prepareDepths() {
  for (const f of filters) {
    const count = naiveCount(f);
    const matches = Number((await client.query<{ n: string }>(count.sql, count.values)).rows[0]!.n);
    // 1,000,000 deep where the filter has that many rows; otherwise the deepest full page
    const depth = Math.min(DEEP, Math.max(0, matches - PAGE));
    let cursor: { createdAt: string; id: string } | null = null;
    if (depth > 0) {
      const { rows: at } = await client.query<{ createdAt: Date; id: string }>(
        `SELECT e."createdAt", e.id::text AS id ${NAIVE_FROM} WHERE e."orgId" = $1 AND ${f.where} ORDER BY e."createdAt" DESC, e.id DESC OFFSET ${depth - 1} LIMIT 1`,
        [orgId, ...f.params],
      );
      if (at[0]) cursor = { createdAt: at[0].createdAt.toISOString(), id: at[0].id };
    }
    depths[f.name] = { matches, depth, cursor };
    say(`  ${f.label}: ${fmt(matches)} matches, deep page at ${fmt(depth)}`);
  }
}

async function listSection() {
  const { createApiKey } = await import("../server/apikeys/service");
  apiKey = await createApiKey(orgId, `bench-${Date.now()}`);
  const doNaive = sections.has("naive");
  for (const f of filters) {
    const d = depths[f.name]!;
    for (const deep of [false, true]) {
      if (deep && !d.cursor) continue;
      const cursor = deep ? d.cursor : null;
      const where = deep ? `deep@${fmt(d.depth)}` : "first";
      const label = `${f.label}, ${where}`;
      const captured = await captureListSql(f, cursor);
      const q = new URLSearchParams({ ...f.query, limit: String(PAGE) });
      if (cursor) q.set("cursor", encodeCursor({ at: cursor.createdAt, id: cursor.id }));
      const url = `${baseUrl}/api/v1/executions?${q}`;
      let bytes = 0;
      const http = await measure(LIST_RUNS, async () => {
        const res = await fetch(url, { headers: { authorization: `Bearer ${apiKey!.key}` } });
        const body = await res.text();
        if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${body.slice(0, 200)}`);
        bytes = body.length;
      });
      const sql = await measure(LIST_RUNS, () => client.query(captured.sql, captured.values));
      keysetSqlP50[label] = sql.p50;
      const { rows: plan } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${captured.sql}`, captured.values);
      plans.push(`── keyset ${label}\n${plan.map((r) => r["QUERY PLAN"]).join("\n")}`);
      const first = rows.find((r) => r.measure === `${f.label}, first` && r.section === "list HTTP");
      // deep/first is judged on the medians: at ~10 ms a single scheduling hiccup of a shared
      // machine moves a p95 of 50 samples by half; the p95 ratio is printed beside it
      const ratio = deep && first?.stats ? http.p50 / first.stats.p50 : null;
      const ratio95 = deep && first?.stats ? http.p95 / first.stats.p95 : null;
      rows.push({
        section: "list HTTP",
        measure: label,
        stats: http,
        value: `${captured.page.items.length} rows, ${Math.round(bytes / 1024)} kB${ratio !== null ? `; deep/first p50 ${ratio.toFixed(2)}×, p95 ${ratio95!.toFixed(2)}×` : ""}`,
        target: deep ? "p95 ≤ 50 ms, p50 ≤ 1.5× first" : "p95 ≤ 50 ms",
        ok: http.p95 <= 50 && (ratio === null || ratio <= 1.5),
      });
      rows.push({ section: "list SQL", measure: label, stats: sql });
      if (doNaive) {
        const count = naiveCount(f);
        const pageSql = `SELECT e.*, w.key AS workflow, (${STUCK_REASON_SQL}) AS "stuckReason" ${NAIVE_FROM}
          WHERE e."orgId" = $1 AND ${f.where} ORDER BY e."createdAt" DESC, e.id DESC LIMIT ${PAGE} OFFSET ${deep ? d.depth : 0}`;
        const naive = await measure(
          NAIVE_RUNS,
          async () => {
            await client.query(pageSql, [orgId, ...f.params]);
            await client.query(count.sql, count.values);
          },
          1,
        );
        const r = naive.p50 / sql.p50;
        rows.push({
          section: "list naive",
          measure: `${label} (OFFSET+COUNT)`,
          stats: naive,
          value: `naive/keyset SQL p50 ${r.toFixed(0)}×`,
          ...(deep && d.depth === DEEP ? { target: "≥ 20× at 1M deep", ok: r >= 20 } : {}),
        });
        if (deep) {
          const { rows: plan2 } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${pageSql}`, [orgId, ...f.params]);
          plans.push(`── naive ${label}\n${plan2.map((x) => x["QUERY PLAN"]).join("\n")}`);
        }
      }
      say(`  ${label}: HTTP p95 ${http.p95} ms, SQL p95 ${sql.p95} ms`);
    }
  }
}

async function countsSection() {
  const { getCounters } = await import("../server/dashboard/counters");
  const { getExecutionCharts } = await import("../server/dashboard/charts");
  const target = "p95 ≤ 100 ms";
  for (const f of filters) {
    const s = await measure(SERVICE_RUNS, () => countExecutionsCapped(orgId, f.list));
    const c = await countExecutionsCapped(orgId, f.list);
    rows.push({ section: "counts", measure: `capped count ${f.label}`, stats: s, value: `${fmt(c.count)}${c.capped ? "+" : ""}`, target, ok: s.p95 <= 100 });
  }
  const counters = await measure(SERVICE_RUNS, () => getCounters(orgId, {}));
  rows.push({ section: "counts", measure: "counters header", stats: counters, target, ok: counters.p95 <= 100 });
  for (const [label, hours] of [
    ["24 h", 24],
    ["7 d", 24 * 7],
    ["30 d", 24 * 30],
  ] as const) {
    const s = await measure(SERVICE_RUNS, () => getExecutionCharts(orgId, { from: new Date(Date.now() - hours * 3_600_000) }));
    rows.push({ section: "charts", measure: `charts ${label}`, stats: s, target, ok: s.p95 <= 100 });
  }
  say(`  counts, counters and charts done`);
}

async function sweepSection() {
  const { sweep, STUCK_SWEEP_SQL } = await import("../server/monitor/sweep");
  const sweepClient = new pg.Client({ connectionString: databaseUrl });
  await sweepClient.connect();
  try {
    // One transaction, rolled back at the end: the first sweep opens an alert per stuck
    // execution (what a fresh monitor does once); the measured sweeps then run in steady state,
    // each under a savepoint that is rolled back, as a monitor ticking every few seconds would.
    let last = { stuck: 0, opened: 0 };
    await sweepClient.query("BEGIN");
    try {
      const t = performance.now();
      const first = await sweep(sweepClient, { failureRate: false, baseUrl: "http://bench.invalid" });
      const firstMs = performance.now() - t;
      rows.push({
        section: "sweep",
        measure: "first sweep (opens the alerts)",
        stats: stats([firstMs]),
        value: `${fmt(first.stuck)} stuck, ${fmt(first.opened.length)} alerts opened`,
      });
      for (const failureRate of [false, true]) {
        const s = await measure(SWEEP_RUNS, async () => {
          await sweepClient.query("SAVEPOINT bench");
          try {
            const r = await sweep(sweepClient, { failureRate, baseUrl: "http://bench.invalid" });
            last = { stuck: r.stuck, opened: r.opened.length };
          } finally {
            await sweepClient.query("ROLLBACK TO SAVEPOINT bench");
          }
        });
        rows.push({
          section: "sweep",
          measure: failureRate ? "steady sweep + failure-rate rules" : "steady sweep",
          stats: s,
          value: `${fmt(last.stuck)} stuck, ${fmt(last.opened)} opened per sweep`,
          target: "≤ 20 ms",
          ok: s.p95 <= 20,
        });
      }
    } finally {
      await sweepClient.query("ROLLBACK");
    }
    const q = await measure(SWEEP_RUNS, () => sweepClient.query(STUCK_SWEEP_SQL));
    rows.push({ section: "sweep", measure: "stuck query alone (read-only)", stats: q });
    const { rows: plan } = await sweepClient.query(`EXPLAIN (ANALYZE, BUFFERS) ${STUCK_SWEEP_SQL}`);
    plans.push(`── sweep stuck query\n${plan.map((r) => r["QUERY PLAN"]).join("\n")}`);
  } finally {
    await sweepClient.end();
  }
  say(`  sweep done`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: projectRoot, env, maxBuffer: 16 << 20, timeout: 20 * 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${(stderr || stdout).trim().split("\n").pop() || err.message} (${args.slice(1).join(" ")})`)) : resolve(stdout),
    );
  });
}

async function ensureIngestDatabase() {
  if (ingestDatabaseUrl === databaseUrl) return;
  const name = new URL(ingestDatabaseUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: Object.assign(new URL(ingestDatabaseUrl), { pathname: "/postgres" }).toString() });
  await admin.connect();
  const exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount;
  if (!exists) await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  await admin.end();
  // only ever the separate ingestion database: migrating the measured one could rewrite millions of rows
  const { applyMigrations } = await import("../server/db/migrate");
  await applyMigrations(ingestDatabaseUrl);
}

type IngestResult = { scenario: string; eventsPerRequest: number; concurrency: number; requests: number; events: number; eventsPerSecond: number; requestsPerSecond: number; p50Ms: number; p95Ms: number; p99Ms: number; errors: number };

async function ingestSection() {
  await ensureIngestDatabase();
  const dir = path.join(projectRoot, "bench-results");
  await mkdir(dir, { recursive: true });
  const before = new Set(await readdir(dir));
  say(`  ingestion against ${ingestUrl}, ${INGEST_SECONDS} s per scenario…`);
  await run(process.execPath, [path.join(projectRoot, "node_modules/tsx/dist/cli.mjs"), "scripts/bench-ingest.ts", "--url", ingestUrl, "--duration", String(INGEST_SECONDS)], {
    ...process.env,
    DATABASE_URL: ingestDatabaseUrl,
  });
  const file = (await readdir(dir)).filter((f) => f.startsWith("ingest-") && !before.has(f)).sort().pop();
  if (!file) throw new Error("bench-ingest wrote no result file");
  const out = JSON.parse(await readFile(path.join(dir, file), "utf8")) as { org: string; results: IngestResult[] };
  extra.ingest = out;
  for (const r of out.results) {
    const batched = r.eventsPerRequest > 1;
    rows.push({
      section: "ingest HTTP",
      measure: r.scenario,
      stats: { n: r.requests, p50: r.p50Ms, p95: r.p95Ms, p99: r.p99Ms, max: NaN },
      value: `${fmt(r.eventsPerSecond)} events/s, ${fmt(r.requestsPerSecond)} req/s, ${r.errors} errors`,
      target: batched ? "≥ 5,000 events/s" : "≥ 1,000 req/s",
      ok: batched ? r.eventsPerSecond >= 5000 : r.requestsPerSecond >= 1000,
    });
  }
  // COPY of as many timeline rows as the busiest scenario wrote: the physical limit
  const n = Math.max(10_000, ...out.results.map((r) => r.events));
  const ic = new pg.Client({ connectionString: ingestDatabaseUrl });
  await ic.connect();
  try {
    const { from: copyFrom } = await import("pg-copy-streams");
    const org = (await ic.query<{ id: string }>(`SELECT id FROM organizations ORDER BY "createdAt" DESC LIMIT 1`)).rows[0]!.id;
    const now = new Date().toISOString();
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      lines.push(`${org}\tcopy-x${Math.floor(i / 4)}\tcopy-e${i}\tSTATUS\tRUNNING\t1\t${now}\t${now}\tAPPLIED\t{"i":${i}}\n`);
    }
    const data = lines.join("");
    const ms: number[] = [];
    for (let k = 0; k < (QUICK ? 2 : 3); k++) {
      await ic.query("BEGIN");
      const t = performance.now();
      await new Promise<void>((resolve, reject) => {
        const stream = ic.query(copyFrom(`COPY execution_events ("orgId", "executionId", "eventId", type, status, attempt, "occurredAt", "receivedAt", outcome, payload) FROM STDIN`));
        stream.on("finish", () => resolve());
        stream.on("error", reject);
        stream.end(data);
      });
      ms.push(performance.now() - t);
      await ic.query("ROLLBACK");
    }
    const s = stats(ms);
    rows.push({ section: "ingest COPY", measure: `COPY ${fmt(n)} events (rolled back)`, stats: s, value: `${fmt(Math.round(n / (s.p50 / 1000)))} events/s` });
  } finally {
    await ic.end();
  }
  say(`  ingestion done`);
}

async function browserSection() {
  const { chromium } = await import("@playwright/test");
  const { createUser, findUserByEmail, addMembership } = await import("../server/users/service");
  const email = "bench-viewer@runwatch.local";
  const password = "bench-viewer-password";
  const user = (await findUserByEmail(email)) ?? (await createUser({ email, password, name: "Bench viewer" }));
  await addMembership(orgId, user.id, "VIEWER");
  const detailId = newest.executionId;

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  try {
    const login = await browser.newContext();
    const res = await login.request.post(`${baseUrl}/api/auth/sign-in/email`, { data: { email, password }, headers: { origin: baseUrl } });
    if (!res.ok()) throw new Error(`sign-in answered ${res.status()}: ${(await res.text()).slice(0, 200)}`);
    const storageState = await login.storageState();
    await login.close();

    const routes = [
      { name: "executions", path: `/o/${slug}/executions` },
      { name: "execution detail", path: `/o/${slug}/executions/${encodeURIComponent(detailId)}` },
      { name: "workflows", path: `/o/${slug}/workflows` },
      { name: "alerts", path: `/o/${slug}/alerts` },
    ];
    const gzCache = new Map<string, number>();
    const load = async (route: string) => {
      const context = await browser.newContext({ storageState, viewport: { width: 1440, height: 900 } });
      await context.addInitScript(() => {
        const w = window as unknown as { __lcp: number };
        w.__lcp = 0;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) w.__lcp = Math.max(w.__lcp, e.startTime);
        }).observe({ type: "largest-contentful-paint", buffered: true });
      });
      const page = await context.newPage();
      const response = await page.goto(`${baseUrl}${route}`, { waitUntil: "networkidle", timeout: 60_000 });
      if (!response?.ok() || !page.url().includes(route.split("?")[0]!)) throw new Error(`${route}: ${response?.status()} at ${page.url()}`);
      // first-load JS as Next counts it: the scripts the server's HTML asks for
      const html = await response.text();
      const initial = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => new URL(m[1]!.replace(/&amp;/g, "&"), baseUrl).toString());
      await page.waitForTimeout(300);
      const lcp = await page.evaluate(() => (window as unknown as { __lcp: number }).__lcp);
      const scripts = await page.evaluate(() =>
        performance
          .getEntriesByType("resource")
          .filter((e) => (e as PerformanceResourceTiming).initiatorType === "script" || /\.js(\?|$)/.test(e.name))
          .map((e) => e.name),
      );
      await context.close();
      return { lcp, initial: [...new Set(initial)], scripts: [...new Set(scripts)] };
    };
    const gzipped = async (src: string) => {
      if (!gzCache.has(src)) {
        const body = Buffer.from(await (await fetch(src)).arrayBuffer());
        gzCache.set(src, gzipSync(body, { level: 9 }).length);
      }
      return gzCache.get(src)!;
    };
    for (const r of routes) {
      await load(r.path); // warm the server's render of this route
      const measured: number[] = [];
      let scripts: string[] = [];
      let initial: string[] = [];
      const loads = r.name === "executions" ? PAGE_LOADS : 1;
      for (let i = 0; i < loads; i++) {
        const x = await load(r.path);
        measured.push(x.lcp);
        scripts = x.scripts;
        initial = x.initial;
      }
      let total = 0;
      for (const s of initial) total += await gzipped(s);
      let all = 0;
      for (const s of new Set([...initial, ...scripts])) all += await gzipped(s);
      const kb = total / 1024;
      const perScript: Record<string, number> = {};
      for (const src of new Set([...initial, ...scripts])) perScript[new URL(src).pathname] = gzCache.get(src)!;
      ((extra.scripts ??= {}) as Record<string, unknown>)[r.path] = { initial: initial.map((u) => new URL(u).pathname), gzippedBytes: perScript };
      if (r.name === "executions") {
        const s = stats(measured);
        rows.push({ section: "browser", measure: `LCP ${r.path}`, stats: s, value: `${loads} cold loads`, target: "≤ 1.0 s", ok: s.p95 <= 1000 });
      }
      rows.push({
        section: "browser",
        measure: `first-load JS ${r.name}`,
        value: `${kb.toFixed(0)} kB gzipped in the HTML (${initial.length} scripts); ${(all / 1024).toFixed(0)} kB with lazy chunks by network idle`,
        target: "≤ 200 kB",
        ok: kb <= 200,
      });
      say(`  ${r.path}: ${kb.toFixed(0)} kB JS`);
    }
  } finally {
    await browser.close();
  }
}

// ── run ────────────────────────────────────────────────────────────────────────────────

const started = new Date();
const loadBefore = os.loadavg();
try {
  // a section that fails is reported in the table and the others still run
  const attempt = async (name: string, fn: () => Promise<void>) => {
    if (!sections.has(name)) return;
    try {
      await fn();
    } catch (err) {
      say(`  ${name} failed: ${(err as Error).stack ?? err}`);
      rows.push({ section: name, measure: "FAILED", value: String((err as Error).message ?? err).split("\n")[0]!.slice(0, 120), ok: false });
    }
  };
  if (sections.has("naive")) sections.add("list");
  await attempt("list", async () => {
    say("list: counting matches and finding the deep cursors…");
    await prepareDepths();
    await listSection();
  });
  await attempt("counts", countsSection);
  await attempt("sweep", sweepSection);
  await attempt("ingest", ingestSection);
  await attempt("browser", browserSection);
} finally {
  const created = apiKey as { id: string } | null;
  if (created) {
    const { revokeApiKey } = await import("../server/apikeys/service");
    await revokeApiKey(orgId, created.id).catch(() => {});
  }
}
const loadAfter = os.loadavg();

function table(): string {
  const head = ["section", "measure", "n", "p50 ms", "p95 ms", "p99 ms", "value", "target", "ok"];
  const cells = rows.map((r) => [
    r.section,
    r.measure,
    r.stats ? String(r.stats.n) : "",
    r.stats ? String(r.stats.p50) : "",
    r.stats ? String(r.stats.p95) : "",
    r.stats ? String(r.stats.p99) : "",
    r.value ?? "",
    r.target ?? "",
    r.ok === undefined ? "" : r.ok ? "yes" : "NO",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const numeric = new Set([2, 3, 4, 5]);
  const line = (c: string[]) => c.map((x, i) => (numeric.has(i) ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

const header = [
  `Runwatch scale benchmark, ${started.toISOString()}`,
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${loadBefore.map((x) => x.toFixed(2)).join(" ")} before, ${loadAfter.map((x) => x.toFixed(2)).join(" ")} after`,
  `dataset: ~${fmt(Number(totalRows[0]!.n))} executions; organization ${slug} with ${fmt(orgExecutions)}; page size ${PAGE}; server ${baseUrl}; ingestion ${ingestUrl}`,
  ...filters.filter((f) => depths[f.name]).map((f) => `  ${f.label}: ${fmt(depths[f.name]!.matches)} matches, deep page at ${fmt(depths[f.name]!.depth)}`),
].join("\n");
console.log(`\n${header}\n\n${table()}`);

const dir = path.join(projectRoot, "bench-results");
await mkdir(dir, { recursive: true });
const stamp = started.toISOString().replace(/[:.]/g, "-");
const file = path.join(dir, `bench-${stamp}.json`);
await writeFile(
  file,
  `${JSON.stringify({ at: started.toISOString(), header, quick: QUICK, databaseUrl, url: baseUrl, ingestUrl, org: { id: orgId, slug, executions: orgExecutions }, loadBefore, loadAfter, depths, rows, plans, ...extra }, null, 2)}\n`,
);
await writeFile(path.join(dir, `bench-${stamp}-plans.txt`), `${plans.join("\n\n")}\n`);
console.log(`\nwritten to ${path.relative(process.cwd(), file)} (query plans beside it)`);
await client.end();
await closeDb();
process.exit(0);
