// npm run bench:list-http -- --url http://127.0.0.1:3000: GET /api/v1/executions over HTTP
// against the same page in process (the service and its SQL), for the first page and a deep
// one, so the distance between the HTTP path and the SQL shows (issue 15, item 8). Uses the
// organization with the most executions at DATABASE_URL and a fresh API key of its own.
import http from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { url: { type: "string", default: "http://127.0.0.1:3000" }, runs: { type: "string", default: "200" }, depth: { type: "string", default: "100" } } });
if (!process.env.DATABASE_URL) {
  process.stderr.write("bench:list-http: set DATABASE_URL to the server's database\n");
  process.exit(2);
}
const runs = Number(values.runs);
const { pool, closeDb } = await import("../server/db/client");
const { createApiKey } = await import("../server/apikeys/service");
const { systemContext } = await import("../server/context");
const { listExecutions, listPosition } = await import("../server/executions/read");
const { decodeCursor } = await import("../server/paging/cursor");
/** A list's opaque nextCursor as the list query takes it. */
const positionOf = (raw: string) => {
  const k = decodeCursor(raw);
  return k ? listPosition(k) : null;
};
const { rows } = await pool().query<{ orgId: string; n: number }>(`SELECT "orgId", count(*)::int AS n FROM executions GROUP BY 1 ORDER BY 2 DESC LIMIT 1`);
if (!rows[0]) throw new Error("no executions in this database");
const { orgId, n } = rows[0];
const { key } = await createApiKey(systemContext(orgId, "bench"), { name: "bench-list-http" });

// the cursor of page `depth` (50 rows a page), walked in process
let cursor: string | null = null;
for (let i = 0; i < Number(values.depth); i++) {
  const page = await listExecutions({ orgId }, {}, { limit: 50, cursor: cursor ? positionOf(cursor) : null });
  if (!page.nextCursor) break;
  cursor = page.nextCursor;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = (path: string) =>
  new Promise<number>((resolve, reject) => {
    const t0 = performance.now();
    http
      .get(new URL(path, values.url), { agent, headers: { authorization: `Bearer ${key}` } }, (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`${path}: ${res.statusCode}`))));
      })
      .on("error", reject);
  });
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
async function measure(label: string, fn: () => Promise<unknown>) {
  for (let i = 0; i < 20; i++) await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  console.log(`${label.padEnd(34)} p50 ${pct(times, 50).toFixed(2).padStart(7)} ms   p95 ${pct(times, 95).toFixed(2).padStart(7)} ms`);
}
console.log(`organization with ${n} executions; deep page = page ${values.depth}; ${runs} runs each, one at a time`);
await measure("first page, in process (SQL)", () => listExecutions({ orgId }, {}, { limit: 50, cursor: null }));
await measure("first page, HTTP", () => get("/api/v1/executions?limit=50"));
if (cursor) {
  const deep = positionOf(cursor);
  await measure("deep page, in process (SQL)", () => listExecutions({ orgId }, {}, { limit: 50, cursor: deep }));
  await measure("deep page, HTTP", () => get(`/api/v1/executions?limit=50&cursor=${encodeURIComponent(cursor!)}`));
}
agent.destroy();
await closeDb();
process.exit(0);
