// npm run bench:list -- --url http://127.0.0.1:3000 [--database-url …] [--loads 5]
//   [--terms a,b] (more substrings to time) [--search-only] (no server or browser needed)
// The executions list as an operator feels it (issue 13), against a server already running on
// the database: substring search (the list's first page for 4-character substrings, p50/p95
// over repeated runs, SQL through the service), rows on screen and LCP for the list's first page
// and a filtered page at 1440×900 and 390×844 (cold loads in Chromium), and first-load JS per
// route (gzipped scripts the HTML asks for, scripts/bench-lib.ts). Prints one table; exits 0 whatever it measured.
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { firstLoadJs } from "./bench-lib";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    "database-url": { type: "string" },
    loads: { type: "string", default: "5" },
    runs: { type: "string", default: "40" },
    terms: { type: "string" },
    "search-only": { type: "boolean", default: false },
  },
});
const searchOnly = values["search-only"];
if (!values.url && !searchOnly) {
  process.stderr.write("bench:list: pass --url of a running Runwatch server (npm start or next start) on the same database\n");
  process.exit(2);
}
const baseUrl = (values.url ?? "").replace(/\/$/, "");
const databaseUrl = values["database-url"] ?? process.env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write("bench:list: no database: pass --database-url or set DATABASE_URL\n");
  process.exit(2);
}
process.env.DATABASE_URL = databaseUrl;
const LOADS = Number(values.loads);
const RUNS = Number(values.runs);
const say = (s: string) => process.stderr.write(`${s}\n`);
// the machine's load beside the figures: a busy machine's timings are not a quiet one's
const load = () => loadavg().map((l) => l.toFixed(2)).join(", ");
const loadAtStart = load();

type Stats = { n: number; p50: number; p95: number; max: number };
function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  const r = (n: number) => Math.round(n);
  return { n: s.length, p50: r(q(0.5)), p95: r(q(0.95)), max: r(s[s.length - 1] ?? NaN) };
}
const rows: { measure: string; value: string; target?: string; ok?: boolean }[] = [];

const client = new pg.Client({ connectionString: databaseUrl });
await client.connect();
const { rows: orgRows } = await client.query<{ orgId: string; n: number }>(`SELECT "orgId", count(*)::int AS n FROM executions GROUP BY 1 ORDER BY 2 DESC LIMIT 1`);
const orgId = orgRows[0]!.orgId;
const orgExecutions = orgRows[0]!.n;
const slug = (await client.query<{ slug: string }>(`SELECT slug FROM organizations WHERE id = $1`, [orgId])).rows[0]!.slug;
const { rows: loadRows } = await client.query<{ l: string }>(`SELECT 1 AS l`);
void loadRows;
say(`bench:list: organization ${slug} with ${orgExecutions.toLocaleString("en-US")} executions; server ${baseUrl || "none (--search-only)"}`);

// ── substring search ──────────────────────────────────────────────────────────────────────
{
  const { listExecutionRows } = await import("../server/executions/list");
  // 4-character pieces of real ids (common and rare), and one that matches nothing
  const { rows: sample } = await client.query<{ executionId: string }>(`SELECT "executionId" FROM executions WHERE "orgId" = $1 ORDER BY random() LIMIT 4`, [orgId]);
  const subs = sample.map((r) => r.executionId.slice(Math.max(0, r.executionId.length - 6), Math.max(4, r.executionId.length - 2)));
  subs.push("zq9x", ...(values.terms ? values.terms.split(",") : []));
  for (const q of subs) {
    const ms: number[] = [];
    let found = 0;
    for (let i = 0; i < RUNS + 2; i++) {
      const t = performance.now();
      const page = await listExecutionRows({ orgId }, { filter: { executionId: { value: q, mode: "contains" } }, limit: 50 });
      if (i >= 2) ms.push(performance.now() - t);
      found = page.items.length;
    }
    const s = stats(ms);
    rows.push({ measure: `search "${q}" (first page, ${found} rows)`, value: `p50 ${s.p50} ms, p95 ${s.p95} ms, max ${s.max} ms (${s.n} runs)`, target: "p95 ≤ 100 ms", ok: s.p95 <= 100 });
  }
  const { closeDb } = await import("../server/db/client");
  await closeDb();
}

// ── browser: rows on screen, LCP, first-load JS ───────────────────────────────────────────
if (!searchOnly) {
  const { chromium } = await import("@playwright/test");
  const { createUser, findUserByEmail, addMembership } = await import("../server/users/service");
  const email = "bench-list-viewer@runwatch.local";
  const password = "bench-list-viewer-password";
  const user = (await findUserByEmail(email)) ?? (await createUser({ email, password, name: "Bench list viewer" }));
  await addMembership(orgId, user.id, "VIEWER").catch(() => undefined);
  const { rows: any } = await client.query<{ executionId: string }>(`SELECT "executionId" FROM executions WHERE "orgId" = $1 ORDER BY "createdAt" DESC LIMIT 1`, [orgId]);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  try {
    const login = await browser.newContext();
    const res = await login.request.post(`${baseUrl}/api/auth/sign-in/email`, { data: { email, password }, headers: { origin: baseUrl } });
    if (!res.ok()) throw new Error(`sign-in answered ${res.status()}`);
    const storageState = await login.storageState();
    await login.close();

    const load = async (path: string, viewport: { width: number; height: number }) => {
      const context = await browser.newContext({ storageState, viewport });
      await context.addInitScript(() => {
        const w = window as unknown as { __lcp: number; __rows: number | null };
        w.__lcp = 0;
        w.__rows = null;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) w.__lcp = Math.max(w.__lcp, e.startTime);
        }).observe({ type: "largest-contentful-paint", buffered: true });
        // rows on screen: the first execution row in the document, from navigation start
        const mo = new MutationObserver(() => {
          if (w.__rows === null && document.querySelector('[data-testid="execution-row"]')) {
            w.__rows = performance.now();
            mo.disconnect();
          }
        });
        mo.observe(document, { childList: true, subtree: true });
      });
      const page = await context.newPage();
      await page.goto(`${baseUrl}${path}`, { waitUntil: "load", timeout: 60_000 });
      if (path.includes("/executions") && !/\/executions\/[^?]/.test(path)) await page.locator('[data-testid="execution-row"]').first().waitFor({ timeout: 60_000 });
      await page.waitForLoadState("networkidle");
      await page.waitForTimeout(200);
      const m = await page.evaluate(() => {
        const w = window as unknown as { __lcp: number; __rows: number | null };
        return { lcp: w.__lcp, rows: w.__rows };
      });
      await context.close();
      return m;
    };

    const list = `/o/${slug}/executions`;
    const filtered = `${list}?status=FAILED&range=7d`;
    for (const viewport of [
      { width: 1440, height: 900 },
      { width: 390, height: 844 },
    ]) {
      for (const [name, path] of [
        ["first page", list],
        ["filtered page", filtered],
      ] as const) {
        await load(path, viewport); // warm the server's render of this route
        const rowsMs: number[] = [];
        const lcps: number[] = [];
        for (let i = 0; i < LOADS; i++) {
          const r = await load(path, viewport);
          if (r.rows !== null) rowsMs.push(r.rows);
          lcps.push(r.lcp);
        }
        const a = stats(rowsMs);
        const b = stats(lcps);
        rows.push({ measure: `rows on screen, ${name}, ${viewport.width} px`, value: `p50 ${a.p50} ms, p95 ${a.p95} ms (${a.n} cold loads)`, target: "≤ 1000 ms", ok: a.p50 <= 1000 });
        rows.push({ measure: `LCP, ${name}, ${viewport.width} px`, value: `p50 ${b.p50} ms, p95 ${b.p95} ms`, target: "≤ 1000 ms", ok: b.p50 <= 1000 });
        say(`  ${viewport.width} ${name}: rows ${a.p50} ms, LCP ${b.p50} ms`);
      }
    }

    const cookie = storageState.cookies.map((c) => `${c.name}=${c.value}`).join("; ");
    for (const [name, path] of [
      ["executions", list],
      ["execution detail", `/o/${slug}/executions/${encodeURIComponent(any[0]!.executionId)}`],
      ["workflows", `/o/${slug}/workflows`],
      ["alerts", `/o/${slug}/alerts`],
      ["audit", `/o/${slug}/audit`],
      ["settings", `/o/${slug}/settings`],
    ] as const) {
      const r = await firstLoadJs(baseUrl, path, cookie);
      const kb = r.bytes / 1024;
      rows.push({
        measure: `first-load JS ${name}`,
        value: `${kb.toFixed(0)} kB gzipped (${r.scripts} scripts; ${(r.noModuleBytes / 1024).toFixed(0)} kB noModule polyfills not fetched)`,
        target: "≤ 200 kB",
        ok: kb <= 200,
      });
    }
  } finally {
    await browser.close();
    const { closeDb } = await import("../server/db/client");
    await closeDb();
  }
}
await client.end();

const w = Math.max(...rows.map((r) => r.measure.length));
console.log(`\nexecutions list benchmark: ${orgExecutions.toLocaleString("en-US")} executions in organization ${slug}; server ${baseUrl || "none"}`);
console.log(`load average (1, 5, 15 min): ${loadAtStart} at the start, ${load()} at the end\n`);
for (const r of rows) console.log(`${r.ok === undefined ? " " : r.ok ? "✓" : "✗"} ${r.measure.padEnd(w)}  ${r.value}${r.target ? `  (target ${r.target})` : ""}`);
