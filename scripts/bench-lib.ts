// Measuring helpers shared by the benchmarks (bench:sweep, bench:missed, bench:list, bench:bundle),
// so they print their figures the same way, the monitor ones each in a scratch database of its own.
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { applyMigrations } from "../server/db/migrate";

export const say = (s: string) => process.stderr.write(`${s}\n`);

/** fn's result and how long it took, in milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

/** min, median, p95 and max of a set of timings in milliseconds, to two decimals. */
export function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { min: +s[0]!.toFixed(2), median: +q(0.5).toFixed(2), p95: +q(0.95).toFixed(2), max: +s[s.length - 1]!.toFixed(2) };
}

/**
 * A fixed single-core workload of the kind a list answer costs (JSON.stringify and JSON.parse of
 * a 50-row page, 2,000 times), in ms: the fastest of three. Machines of one kind differ by
 * several times on the same figures, and the load average does not show it; printed beside
 * the figures, this lets two runs on two machines be compared.
 */
export function cpuCalibrationMs(): number {
  const page = Array.from({ length: 50 }, (_, i) => ({
    id: String(1e9 + i),
    executionId: `exec-${i}-${"x".repeat(20)}`,
    workflow: "order-fulfillment",
    status: i % 7 ? "COMPLETED" : "FAILED",
    createdAt: new Date(1.8e12 + i * 1000).toISOString(),
    durationMs: 1000 + i,
    metadata: { region: "eu-west-1", tenant: `t${i % 7}` },
  }));
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t = performance.now();
    for (let k = 0; k < 2000; k++) JSON.parse(JSON.stringify(page));
    best = Math.min(best, performance.now() - t);
  }
  return Math.round(best);
}

/**
 * Runs fn against a fresh, migrated database `<prefix>_<random>` on DATABASE_URL's server (a
 * connected client is handed in), then drops it unless `keep`.
 */
export async function withScratchDatabase<T>(prefix: string, keep: boolean, fn: (client: pg.Client, dbName: string) => Promise<T>): Promise<T> {
  const serverUrl = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  const dbName = `${prefix}_${randomBytes(4).toString("hex")}`;
  const withDb = (name: string) => Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
  const admin = new pg.Client({ connectionString: withDb("postgres") });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = withDb(dbName);
  const client = new pg.Client({ connectionString: url });
  try {
    await applyMigrations(url);
    await client.connect();
    return await fn(client, dbName);
  } finally {
    await client.end().catch(() => {});
    if (!keep) await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    else say(`kept database ${dbName}`);
    await admin.end();
  }
}

const gzippedBytes = new Map<string, number>();

/**
 * First-load JS of one page as the issue counts it: the gzipped (level 9) size of the scripts the
 * page's HTML asks for (lazy chunks loaded later are not counted). Scripts marked `noModule` (Next's
 * legacy polyfills) are reported apart: a browser that runs modules never fetches them, and Next's
 * own "First Load JS" column left them out too. `cookie` signs the request in.
 */
export async function firstLoadJs(
  baseUrl: string,
  path: string,
  cookie: string,
): Promise<{ bytes: number; scripts: number; noModuleBytes: number; status: number }> {
  const res = await fetch(`${baseUrl}${path}`, { headers: cookie ? { cookie } : {}, redirect: "manual" });
  const html = await res.text();
  const tags = [...html.matchAll(/<script\b[^>]*>/g)].flatMap(([tag]) => {
    const src = /\ssrc="([^"]+)"/.exec(tag)?.[1];
    return src ? [{ src: new URL(src.replace(/&amp;/g, "&"), baseUrl).toString(), noModule: /\snomodule\b/i.test(tag) }] : [];
  });
  const gz = async (src: string) => {
    if (!gzippedBytes.has(src)) gzippedBytes.set(src, gzipSync(Buffer.from(await (await fetch(src)).arrayBuffer()), { level: 9 }).length);
    return gzippedBytes.get(src)!;
  };
  const loaded = [...new Set(tags.filter((t) => !t.noModule).map((t) => t.src))];
  const legacy = [...new Set(tags.filter((t) => t.noModule).map((t) => t.src))];
  let bytes = 0;
  for (const src of loaded) bytes += await gz(src);
  let noModuleBytes = 0;
  for (const src of legacy) noModuleBytes += await gz(src);
  return { bytes, scripts: loaded.length, noModuleBytes, status: res.status };
}
