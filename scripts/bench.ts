// npm run bench: the scale benchmark (issues 6 and 15). Measures, on the organization with the
// most executions, the executions list (HTTP and raw SQL, first page and 1,000,000 rows deep, per
// filter) against the naive OFFSET + COUNT(*) way, capped and exact counts, counters and charts
// (in process and over HTTP), the monitor's sweep (on the dataset, and with 100k stuck and
// alerted through bench-sweep.ts), ingestion over HTTP (bench-ingest.ts) against COPY with the
// server's RSS, a streaming replica's delay, and the UI in Chromium (bench-list.ts). Prints one
// table of every figure beside its target, with the load average, and writes
// bench-results/bench-<timestamp>.json.
//
//   --scratch N                 a private primary with N generated executions, a streaming
//                               replica of it and an API process reading there (bench-scratch.ts):
//                               no running server or dataset needed

//   --database-url URL          the measured database (default DATABASE_URL, else rw_scale_10m)
//   --url http://127.0.0.1:3610 a running server on that database
//   --ingest-url URL            a running server for the ingestion runs (default --url)
//   --ingest-database-url URL   its database (default --database-url); a database other than the
//                               measured one is created and migrated if missing
//   --server-pid PID            the server's process, for its RSS under ingestion (--scratch knows it)
//   --sweep-active N            active executions, all stuck, of the bench-sweep run (default 100000)
//   --quick                     fewer runs and 3 s ingestion scenarios
//   --only list,naive,counts,http,sweep,sweepscale,ingest,replica,browser,listui   a subset
//
// Nothing here changes the measured data beyond an API key (revoked at the end) and a VIEWER
// user: the sweep and COPY run inside transactions that are rolled back.
import { gzipSync } from "node:zlib";
import { execFile } from "node:child_process";
import http from "node:http";
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
    scratch: { type: "string" },
    "server-pid": { type: "string" },
    "sweep-active": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
  strict: true,
});
if (values.help) {
  console.log(
    "usage: npm run bench -- [--scratch N] [--database-url URL] [--url URL] [--ingest-url URL] [--ingest-database-url URL] [--server-pid PID] [--sweep-active N] [--quick] [--only list,naive,counts,http,sweep,sweepscale,ingest,replica,browser,listui]",
  );
  process.exit(0);
}
const say = (s: string) => process.stderr.write(`${s}\n`);

const scratch = values.scratch ? await (await import("./bench-scratch")).startScratch(Number(values.scratch), say) : null;
const databaseUrl = scratch?.databaseUrl ?? values["database-url"] ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/rw_scale_10m";
// server modules read DATABASE_URL (and DATABASE_REPLICA_URLS) when first used
process.env.DATABASE_URL = databaseUrl;
if (scratch) process.env.DATABASE_REPLICA_URLS = scratch.replicaUrl;
const baseUrl = (scratch?.baseUrl ?? values.url).replace(/\/$/, "");
const ingestUrl = (values["ingest-url"] ?? baseUrl).replace(/\/$/, "");
const ingestDatabaseUrl = values["ingest-database-url"] ?? databaseUrl;
const serverPid = scratch?.serverPid ?? (values["server-pid"] ? Number(values["server-pid"]) : null);
const QUICK = values.quick;
// the scratch API process serves the API only: no pages for the browser sections
const DEFAULT_SECTIONS = scratch ? "list,naive,counts,http,sweep,sweepscale,ingest,replica" : "list,naive,counts,http,sweep,sweepscale,ingest,replica,browser,listui";
const sections = new Set((values.only ?? DEFAULT_SECTIONS).split(",").map((s) => s.trim()));
const SWEEP_ACTIVE = Number(values["sweep-active"] ?? 100_000);

const LIST_RUNS = QUICK ? 10 : 50;
const NAIVE_RUNS = QUICK ? 2 : 5;
const SERVICE_RUNS = QUICK ? 10 : 30;
const SWEEP_RUNS = QUICK ? 5 : 20;
const PAGE_LOADS = QUICK ? 2 : 5;
const INGEST_SECONDS = QUICK ? 3 : 10;
const PAGE = 50;
const DEEP = 1_000_000;

// ── measuring ──────────────────────────────────────────────────────────────────────────

type Stats = { n: number; p50: number; p95: number; p99: number; max: number };

function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  const r = (n: number) => Math.round(n * 10) / 10;
  return { n: s.length, p50: r(q(0.5)), p95: r(q(0.95)), p99: r(q(0.99)), max: r(s[s.length - 1] ?? NaN) };
}

/**
 * Unmeasured requests before each HTTP measure. The first cases of a run otherwise carry the
 * client's and the server's warm-up (V8 optimizing fetch's and the route's code): the first
 * page measured 5.6 / 11.6 ms p50 / p95 after 2, where the same page deep in the run, and
 * node:http with 20 (scripts/bench-list-http.ts), showed the warm figures.
 */
const HTTP_WARMUP = 20;

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

const { listExecutions, countExecutionsCapped, STUCK_REASON_SQL } = await import("../server/executions/read");
const { prefixPattern } = await import("../server/executions/list-sql");
const { encodeCursor } = await import("../server/paging/cursor");
const { pool, replicaPools, closeDb } = await import("../server/db/client");
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
// a metadata pair of the newest execution that has one, alphabetically first (gen: a region,
// shared by a quarter of the executions with metadata): with a status, two loose filters
const metaPair = (
  await client.query<{ key: string; value: string }>(
    `SELECT k.key, k.value FROM (SELECT metadata FROM executions WHERE "orgId" = $1 AND metadata IS NOT NULL ORDER BY "createdAt" DESC LIMIT 1) e,
       jsonb_each_text(e.metadata) k ORDER BY k.key LIMIT 1`,
    [orgId],
  )
).rows[0];

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
    api: { executionId: { value: idPrefix, mode: "prefix" } },
    list: { executionId: { value: idPrefix, mode: "prefix" } },
    where: `e."executionId" LIKE $2`,
    params: [prefixPattern(idPrefix)],
  },
  ...(metaPair
    ? [
        {
          name: "statusMeta",
          label: `status=FAILED, meta ${metaPair.key}=${metaPair.value}`,
          query: { status: "FAILED", meta: `${metaPair.key}=${metaPair.value}` },
          api: { statuses: ["FAILED"], metadata: { [metaPair.key]: metaPair.value } },
          list: { statuses: ["FAILED"], metadata: { [metaPair.key]: metaPair.value } },
          where: `e.status = $2::"ExecutionStatus" AND e.metadata @> $3::jsonb`,
          params: ["FAILED", JSON.stringify({ [metaPair.key]: metaPair.value })],
        } satisfies FilterCase,
      ]
    : []),
];

const NAIVE_FROM = `FROM executions e JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId" JOIN organizations o ON o.id = e."orgId"`;
const naiveCount = (f: FilterCase) => ({ sql: `SELECT count(*)::bigint AS n ${NAIVE_FROM} WHERE e."orgId" = $1 AND ${f.where}`, values: [orgId, ...f.params] });

/** Records the SQL the list service sends for one call: the page query is the last one. */
async function captureListSql(f: FilterCase, cursor: { createdAt: string; id: string } | null) {
  // the primary and any replica pools: with DATABASE_REPLICA_URLS the list reads a replica
  const pools = [pool(), ...replicaPools()];
  const originals = pools.map((p) => p.query as unknown as (this: unknown, sql: string, v: unknown[]) => Promise<unknown>);
  const seen: { sql: string; values: unknown[] }[] = [];
  pools.forEach((p, i) => {
    (p as unknown as { query: unknown }).query = (sql: string, v: unknown[]) => {
      seen.push({ sql, values: v });
      return originals[i]!.call(p, sql, v);
    };
  });
  try {
    const page = await listExecutions({ orgId }, f.api, { limit: PAGE, cursor });
    return { ...seen[seen.length - 1]!, page };
  } finally {
    pools.forEach((p, i) => ((p as unknown as { query: unknown }).query = originals[i]));
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

/** One kept-alive socket for the list's GETs (node:http; browsers and curl also reuse theirs). */
const listAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/**
 * GET url: its status and body. Through node:http, or through fetch, whose own cost (undici's
 * request and response objects and streams) was about 2 ms a request on this machine, as much
 * as the server's whole answer; the list's row is judged on the first and shows the second.
 */
function get(url: string, headers: Record<string, string>, viaFetch: boolean): Promise<{ status: number; body: string }> {
  if (viaFetch) return fetch(url, { headers }).then(async (res) => ({ status: res.status, body: await res.text() }));
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: listAgent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(res.headers["content-encoding"] ? "latin1" : "utf8") }));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

async function listSection() {
  const { createApiKey } = await import("../server/apikeys/service");
  const { systemContext } = await import("../server/context");
  apiKey = await createApiKey(systemContext(orgId, "bench"), { name: `bench-${Date.now()}` });
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
      // node:http asks for compression as fetch and browsers do (and leaves the body compressed)
      const page = (viaFetch: boolean) => async () => {
        const res = await get(url, { authorization: `Bearer ${apiKey!.key}`, ...(viaFetch ? {} : { "accept-encoding": "gzip, deflate, br" }) }, viaFetch);
        if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${res.body.slice(0, 200)}`);
        if (viaFetch) bytes = res.body.length;
      };
      const overHttp = await measure(LIST_RUNS, page(false), HTTP_WARMUP);
      const viaFetch = await measure(LIST_RUNS, page(true), HTTP_WARMUP);
      const sql = await measure(LIST_RUNS, () => client.query(captured.sql, captured.values));
      keysetSqlP50[label] = sql.p50;
      const { rows: plan } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${captured.sql}`, captured.values);
      plans.push(`── keyset ${label}\n${plan.map((r) => r["QUERY PLAN"]).join("\n")}`);
      const first = rows.find((r) => r.measure === `${f.label}, first` && r.section === "list HTTP");
      // deep/first is judged on the medians: at ~10 ms a single scheduling hiccup of a shared
      // machine moves a p95 of 50 samples by half; the p95 ratio is printed beside it
      const ratio = deep && first?.stats ? overHttp.p50 / first.stats.p50 : null;
      const ratio95 = deep && first?.stats ? overHttp.p95 / first.stats.p95 : null;
      // issue 15: the unfiltered first and deep page close to their SQL; issue 6 for the filters
      const unfiltered = f.name === "none";
      rows.push({
        section: "list HTTP",
        measure: label,
        stats: overHttp,
        value: `${captured.page.items.length} rows, ${Math.round(bytes / 1024)} kB; with fetch ${viaFetch.p50} / ${viaFetch.p95}${ratio !== null ? `; deep/first p50 ${ratio.toFixed(2)}×, p95 ${ratio95!.toFixed(2)}×` : ""}`,
        target: unfiltered ? "p50 ≤ 5 ms, p95 ≤ 10 ms" : deep ? "p95 ≤ 50 ms, p50 ≤ 1.5× first" : "p95 ≤ 50 ms",
        ok: unfiltered ? overHttp.p50 <= 5 && overHttp.p95 <= 10 : overHttp.p95 <= 50 && (ratio === null || ratio <= 1.5),
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
      say(`  ${label}: HTTP p95 ${overHttp.p95} ms, SQL p95 ${sql.p95} ms`);
    }
  }
}

async function countsSection() {
  const { getCounters } = await import("../server/aggregates/counters");
  const { getExecutionCharts } = await import("../server/aggregates/charts");
  const target = "p95 ≤ 100 ms";
  for (const f of filters) {
    const s = await measure(SERVICE_RUNS, () => countExecutionsCapped({ orgId }, f.list));
    const c = await countExecutionsCapped({ orgId }, f.list);
    // issue 15: the stuck count from the monitor's org-leading partial indexes
    const t = f.name === "stuck" ? { target: "p95 ≤ 20 ms", ok: s.p95 <= 20 } : { target, ok: s.p95 <= 100 };
    rows.push({ section: "counts", measure: `capped count ${f.label}`, stats: s, value: `${fmt(c.count)}${c.capped ? "+" : ""}`, ...t });
  }
  // the header's targets are over HTTP (the "http" section); in process for comparison
  const counters = await measure(SERVICE_RUNS, () => getCounters({ orgId }, {}));
  rows.push({ section: "counts", measure: "counters header, in process", stats: counters });
  for (const [label, hours] of [
    ["24 h", 24],
    ["7 d", 24 * 7],
    ["30 d", 24 * 30],
    ["90 d", 24 * 90],
  ] as const) {
    const s = await measure(SERVICE_RUNS, () => getExecutionCharts({ orgId }, { from: new Date(Date.now() - hours * 3_600_000) }));
    rows.push({ section: "charts", measure: `charts ${label}`, stats: s, target, ok: s.p95 <= 100 });
  }
  say(`  counts, counters and charts done`);
}

// ── over HTTP as the dashboard asks: tRPC with a signed-in VIEWER ──────────────────────

const VIEWER = { email: "bench-viewer@runwatch.local", password: "bench-viewer-password" };

/** The bench's VIEWER of the measured organization, created once. */
async function ensureViewer() {
  const { createUser, findUserByEmail, addMembership } = await import("../server/users/service");
  const user = (await findUserByEmail(VIEWER.email)) ?? (await createUser({ ...VIEWER, name: "Bench viewer" }));
  await addMembership(orgId, user.id, "VIEWER").catch(() => undefined);
}

async function viewerCookie(): Promise<string> {
  await ensureViewer();
  const res = await fetch(`${baseUrl}/api/auth/sign-in/email`, { method: "POST", headers: { "content-type": "application/json", origin: baseUrl }, body: JSON.stringify(VIEWER) });
  if (!res.ok) throw new Error(`sign-in answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
}

async function httpSection() {
  const cookie = await viewerCookie();
  const trpc = async (procedure: string, query: string) => {
    const input = encodeURIComponent(JSON.stringify({ json: { orgSlug: slug, query } }));
    const res = await fetch(`${baseUrl}/api/trpc/${procedure}?input=${input}`, { headers: { cookie } });
    const body = await res.text();
    if (!res.ok) throw new Error(`${procedure}(${query}) answered ${res.status}: ${body.slice(0, 200)}`);
    return body;
  };
  const exactness = (body: string) => (body.includes('"capped":true') ? "capped" : "exact");
  const cases: { section: string; procedure: string; query: string; target: string; ok: (s: Stats) => boolean; value?: (body: string) => string }[] = [
    ...["", "range=24h", "range=7d", "range=30d"].map((query) => ({
      section: "counters HTTP",
      procedure: "dashboard.counters",
      query,
      target: "p50 ≤ 25 ms, p95 ≤ 50 ms",
      ok: (s: Stats) => s.p50 <= 25 && s.p95 <= 50,
      value: (body: string) => `${exactness(body)}; success rate ${/"successRate":(null|[\d.]+)/.exec(body)?.[1] ?? "?"}`,
    })),
    ...["status=FAILED", `workflow=${encodeURIComponent(topWorkflow)}`, "stuck=true", "status=FAILED&range=24h", "status=FAILED&range=7d", "range=30d"].map((query) => ({
      section: "counts HTTP",
      procedure: "dashboard.count",
      query,
      target: "p50 ≤ 6 ms, p95 ≤ 12 ms, exact",
      ok: (s: Stats) => s.p50 <= 6 && s.p95 <= 12,
      value: (body: string) => `${/"count":(\d+)/.exec(body)?.[1] ?? "?"} ${exactness(body)}`,
    })),
    ...["range=24h", "range=7d", "range=30d", "range=90d"].map((query) => ({
      section: "charts HTTP",
      procedure: "dashboard.charts",
      query,
      target: "p95 ≤ 120 ms",
      ok: (s: Stats) => s.p95 <= 120,
      value: (body: string) => `${(body.match(/"start":/g) ?? []).length} points`,
    })),
  ];
  for (const c of cases) {
    let body = "";
    const s = await measure(SERVICE_RUNS, async () => (body = await trpc(c.procedure, c.query)), HTTP_WARMUP);
    const ok = c.ok(s) && !(c.target.includes("exact") && exactness(body) === "capped");
    rows.push({ section: c.section, measure: `${c.procedure} ${c.query || "(no range)"}`, stats: s, value: c.value?.(body), target: c.target, ok });
  }
  say(`  counters, counts and charts over HTTP done`);
}

/** bench-sweep.ts in its own scratch database: every active execution stuck and alerted. */
async function sweepScaleSection() {
  const active = scratch ? Math.min(SWEEP_ACTIVE, 5_000) : SWEEP_ACTIVE;
  const runs = QUICK || scratch ? 10 : 30;
  say(`  bench-sweep: ${fmt(active)} active executions, all stuck…`);
  const out = await run(
    process.execPath,
    [path.join(projectRoot, "node_modules/tsx/dist/cli.mjs"), "scripts/bench-sweep.ts", "--rows", String(Math.max(4 * active, scratch ? 0 : 1_000_000)), "--active", String(active), "--stuck-percent", "100", "--runs", String(runs)],
    { ...process.env, DATABASE_URL: databaseUrl },
  );
  type SweepStats = { min: number; median: number; p95: number; max: number };
  const r = JSON.parse(out.trim().split("\n").pop()!) as { executions: number; stuck: number; firstSweepMs: number; steadySweepMs: SweepStats; stuckQueryMs: SweepStats; sweepWithFailureRateMs: SweepStats; runs: number };
  extra.sweepScale = r;
  const asStats = (x: SweepStats, n: number): Stats => ({ n, p50: x.median, p95: x.p95, p99: NaN, max: x.max });
  const where = `${fmt(r.stuck)} stuck and alerted of ${fmt(r.executions)}`;
  rows.push({ section: "sweep", measure: `bench-sweep first sweep (opens ${fmt(r.stuck)})`, stats: asStats({ min: r.firstSweepMs, median: r.firstSweepMs, p95: r.firstSweepMs, max: r.firstSweepMs }, 1) });
  rows.push({ section: "sweep", measure: "bench-sweep steady sweep", stats: asStats(r.steadySweepMs, r.runs), value: where, target: "≤ 20 ms with 100k stuck", ok: r.steadySweepMs.p95 <= 20 && r.stuck >= 100_000 });
  rows.push({ section: "sweep", measure: "bench-sweep stuck query alone", stats: asStats(r.stuckQueryMs, r.runs), value: where });
  rows.push({ section: "sweep", measure: "bench-sweep sweep + failure-rate rules", stats: asStats(r.sweepWithFailureRateMs, Math.min(r.runs, 20)), value: where });
}

/** How long a commit on the primary takes to be replayed on each replica, and how far behind they are. */
async function replicaSection() {
  const { pool, replicaPools } = await import("../server/db/client");
  const { replicaLagSeconds } = await import("../server/health/replica-lag");
  if (!replicaPools().length) {
    rows.push({ section: "replica", measure: "streaming replica", value: "none: DATABASE_REPLICA_URLS is unset (use --scratch, or set it for the bench and the server)" });
    return;
  }
  const ms: number[] = [];
  for (let i = 0; i < (QUICK ? 10 : 30); i++) {
    const t = performance.now();
    // a WAL record and a commit, without touching any table
    await pool().query(`SELECT pg_logical_emit_message(true, 'runwatch-bench', 'replica delay')`);
    const lsn = (await pool().query<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS lsn`)).rows[0]!.lsn;
    for (const replica of replicaPools()) {
      while (!(await replica.query<{ ok: boolean }>(`SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok`, [lsn])).rows[0]!.ok);
    }
    ms.push(performance.now() - t);
  }
  rows.push({ section: "replica", measure: `commit on the primary → replayed on ${replicaPools().length} replica(s)`, stats: stats(ms), value: `lag now ${(await replicaLagSeconds())?.toFixed(2)} s` });
  if (extra.replicaLagUnderIngestS !== undefined) {
    rows.push({ section: "replica", measure: "largest lag under the ingestion benchmark", value: `${Number(extra.replicaLagUnderIngestS).toFixed(2)} s`, target: "UI banner above 5 s" });
  }
}

/** bench-list.ts against the same server: substring search, rows on screen, LCP, first-load JS. */
async function listUiSection() {
  const out = await run(process.execPath, [path.join(projectRoot, "node_modules/tsx/dist/cli.mjs"), "scripts/bench-list.ts", "--url", baseUrl, "--database-url", databaseUrl, "--loads", QUICK ? "2" : "5", "--runs", QUICK ? "10" : "40"], process.env);
  // its table: "✓ measure  value  (target …)"
  for (const line of out.split("\n")) {
    const m = /^([✓✗ ]) (.+?)\s{2,}(.+?)(?:\s{2}\(target (.+)\))?$/.exec(line);
    if (!m) continue;
    rows.push({ section: "list UI", measure: m[2]!, value: m[3], target: m[4], ok: m[1] === " " ? undefined : m[1] === "✓" });
  }
}

/** Samples fn every `everyMs` until stopped; the largest value seen. */
function sampleMax(everyMs: number, fn: () => Promise<number | null> | number | null): { stop(): Promise<number | null> } {
  let max: number | null = null;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const v = await Promise.resolve(fn()).catch(() => null);
      if (v !== null && (max === null || v > max)) max = v;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return max;
    },
  };
}

/** Resident memory of a process in MB, from /proc (Linux). */
async function rssMb(pid: number): Promise<number | null> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : null;
}

async function sweepSection() {
  const { sweep } = await import("../server/monitor/sweep");
  const { stuckSet, stuckSetSql } = await import("../server/monitor/queries");
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
      const first = await sweep(sweepClient, { now: new Date(), failureRate: false, baseUrl: "http://bench.invalid" });
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
            // the gauge recount runs every 30 s in the monitor, not every sweep (as bench-sweep.ts)
            const r = await sweep(sweepClient, { now: new Date(), failureRate, baseUrl: "http://bench.invalid", countStuck: false });
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
    const q = await measure(SWEEP_RUNS, () => stuckSet(sweepClient, new Date(), null));
    rows.push({ section: "sweep", measure: "stuck query alone (read-only)", stats: q });
    const { rows: plan } = await sweepClient.query(`EXPLAIN (ANALYZE, BUFFERS) ${stuckSetSql(new Date(), null).text}`, [new Date(), null]);
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

type IngestResult = { scenario: string; eventsPerRequest: number; concurrency: number; requests: number; events: number; eventsPerSecond: number; requestsPerSecond: number; p50Ms: number; p95Ms: number; p99Ms: number; errors: number; cpuMsPerRequest?: { bench: number; server: number | null; rest: number } };

/** Where a request's CPU went (bench-ingest.ts): the load generator, the server, the rest (PostgreSQL). */
function cpuBudget(cpu: IngestResult["cpuMsPerRequest"]): string {
  if (!cpu) return "";
  return `; CPU ms/req: client ${cpu.bench}${cpu.server === null ? "" : `, server ${cpu.server}`}, rest ${cpu.rest}`;
}

async function ingestSection() {
  await ensureIngestDatabase();
  const dir = path.join(projectRoot, "bench-results");
  await mkdir(dir, { recursive: true });
  const before = new Set(await readdir(dir));
  say(`  ingestion against ${ingestUrl}, ${INGEST_SECONDS} s per scenario…`);
  // the server's RSS and the replicas' lag while it ingests
  const { replicaLagSeconds } = await import("../server/health/replica-lag");
  const rss = serverPid ? sampleMax(250, () => rssMb(serverPid)) : null;
  const lag = sampleMax(250, () => replicaLagSeconds());
  try {
    await run(process.execPath, [path.join(projectRoot, "node_modules/tsx/dist/cli.mjs"), "scripts/bench-ingest.ts", "--url", ingestUrl, "--duration", String(INGEST_SECONDS), ...(serverPid ? ["--server-pid", String(serverPid)] : [])], {
      ...process.env,
      DATABASE_URL: ingestDatabaseUrl,
    });
  } finally {
    const rssMax = await rss?.stop();
    const lagMax = await lag.stop();
    if (lagMax !== null) extra.replicaLagUnderIngestS = lagMax;
    rows.push(
      rssMax != null
        ? scratch
          ? // tsx transpiling in memory, no old-space cap: not what npm start runs
            { section: "memory", measure: `server RSS under ingestion (pid ${serverPid})`, value: `${rssMax.toFixed(0)} MB peak: the scratch API process under tsx, not npm start's bundle; judge memory with --server-pid against npm start` }
          : { section: "memory", measure: `server RSS under ingestion (pid ${serverPid})`, value: `${rssMax.toFixed(0)} MB peak`, target: "≤ 250 MB", ok: rssMax <= 250 }
        : { section: "memory", measure: "server RSS under ingestion", value: "not measured: pass --server-pid (or --scratch)", target: "≤ 250 MB" },
    );
  }
  const file = (await readdir(dir)).filter((f) => f.startsWith("ingest-") && !before.has(f)).sort().pop();
  if (!file) throw new Error("bench-ingest wrote no result file");
  const out = JSON.parse(await readFile(path.join(dir, file), "utf8")) as { org: string; results: IngestResult[] };
  extra.ingest = out;
  for (const r of out.results) {
    const batched = r.eventsPerRequest > 1;
    // issue 15: single events at concurrency 32; the lower concurrencies are for comparison
    const judged = batched
      ? { target: "≥ 5,000 events/s", ok: r.eventsPerSecond >= 5000 }
      : r.concurrency >= 32
        ? { target: "≥ 1,000 req/s, p99 ≤ 100 ms", ok: r.requestsPerSecond >= 1000 && r.p99Ms <= 100 }
        : {};
    rows.push({
      section: "ingest HTTP",
      measure: r.scenario,
      stats: { n: r.requests, p50: r.p50Ms, p95: r.p95Ms, p99: r.p99Ms, max: NaN },
      value: `${fmt(r.eventsPerSecond)} events/s, ${fmt(r.requestsPerSecond)} req/s, ${r.errors} errors${cpuBudget(r.cpuMsPerRequest)}`,
      ...judged,
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
  await ensureViewer();
  const { email, password } = VIEWER;
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
const { cpuCalibrationMs } = await import("./bench-lib");
const loadBefore = os.loadavg();
const calibrationBefore = cpuCalibrationMs();
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
  await attempt("http", httpSection);
  await attempt("sweep", sweepSection);
  await attempt("sweepscale", sweepScaleSection);
  await attempt("ingest", ingestSection);
  await attempt("replica", replicaSection);
  await attempt("browser", browserSection);
  await attempt("listui", listUiSection);
} finally {
  const created = apiKey as { id: string } | null;
  if (created) {
    const { revokeOrgApiKey } = await import("../server/settings/apiKeys");
    const { systemContext } = await import("../server/context");
    await revokeOrgApiKey(systemContext(orgId, "bench"), { id: created.id }).catch(() => {});
  }
}
const loadAfter = os.loadavg();
// the machine is shared: every figure is read beside the load it was taken under
rows.push({ section: "machine", measure: "load average (1, 5, 15 min)", value: `${loadBefore.map((x) => x.toFixed(2)).join(" ")} before, ${loadAfter.map((x) => x.toFixed(2)).join(" ")} after, ${os.cpus().length} cores` });
rows.push({ section: "machine", measure: "CPU calibration (scripts/bench-lib.ts)", value: `${calibrationBefore} ms before, ${cpuCalibrationMs()} ms after (lower is faster)` });

/** A figure for the table; blank where a source does not measure it (bench-sweep has no p99). */
const num = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "" : String(x));

function table(): string {
  const head = ["section", "measure", "n", "p50 ms", "p95 ms", "p99 ms", "value", "target", "ok"];
  const cells = rows.map((r) => [
    r.section,
    r.measure,
    num(r.stats?.n),
    num(r.stats?.p50),
    num(r.stats?.p95),
    num(r.stats?.p99),
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
  ...(scratch ? [`scratch: private primary and a streaming replica (pg_basebackup -R); the server and this process read lists, counts and charts from the replica`] : []),
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
await scratch?.stop();
process.exit(0);
