// npm run bench:list-http -- --url http://127.0.0.1:3000: GET /api/v1/executions over HTTP
// against the same page in process (the service and its SQL), for the first page, a deep one and
// the status and workflow filters, so the distance between the HTTP path and the SQL shows
// (issue 15, item 8). Uses the organization with the most executions at DATABASE_URL and a fresh
// API key of its own.
//
//   --runs 200          requests per measure, one at a time
//   --depth 100         the deep page (50 rows a page)
//   --encoding gzip     send Accept-Encoding (as fetch does); none by default
//   --server-pid PID    also the server's CPU time per request, from /proc/PID/stat: the figure
//                       least moved by the load of a shared machine
import http from "node:http";
import { parseArgs } from "node:util";
import { processCpuMs } from "./proc-cpu";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:3000" },
    runs: { type: "string", default: "200" },
    depth: { type: "string", default: "100" },
    encoding: { type: "string" },
    "server-pid": { type: "string" },
  },
});
if (!process.env.DATABASE_URL) {
  process.stderr.write("bench:list-http: set DATABASE_URL to the server's database\n");
  process.exit(2);
}
const runs = Number(values.runs);
const serverPid = values["server-pid"];
const { pool, closeDb } = await import("../server/db/client");
const { createApiKey } = await import("../server/apikeys/service");
const { systemContext } = await import("../server/context");
const { listExecutions, listPosition } = await import("../server/executions/read");
const { decodeCursor } = await import("../server/paging/cursor");
type Filter = Parameters<typeof listExecutions>[1];
/** A list's opaque nextCursor as the list query takes it. */
const positionOf = (raw: string) => {
  const k = decodeCursor(raw);
  return k ? listPosition(k) : null;
};
// the organization with the most executions, read from its workflows' counters (a GROUP BY over
// the executions reads all of them), and its busiest workflow for the workflow filter
const { rows } = await pool().query<{ orgId: string; n: number; workflow: string }>(
  `SELECT w."orgId", sum(w."executionCount") OVER (PARTITION BY w."orgId")::float8 AS n, w.key AS workflow
     FROM workflows w ORDER BY n DESC, w."executionCount" DESC LIMIT 1`,
);
if (!rows[0]) throw new Error("no executions in this database");
const { orgId, n, workflow } = rows[0];
const { key } = await createApiKey(systemContext(orgId, "bench"), { name: "bench-list-http" });

// the cursor of page `depth` (50 rows a page), walked in process
let cursor: string | null = null;
for (let i = 0; i < Number(values.depth); i++) {
  const page = await listExecutions({ orgId }, {}, { limit: 50, cursor: cursor ? positionOf(cursor) : null });
  if (!page.nextCursor) break;
  cursor = page.nextCursor;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const headers = { authorization: `Bearer ${key}`, ...(values.encoding ? { "accept-encoding": values.encoding } : {}) };
const get = (path: string) =>
  new Promise<number>((resolve, reject) => {
    const t0 = performance.now();
    http
      .get(new URL(path, values.url), { agent, headers }, (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`${path}: ${res.statusCode}`))));
      })
      .on("error", reject);
  });
const serverCpuMs = () => processCpuMs(serverPid!);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
async function measure(label: string, fn: () => Promise<unknown>, overHttp: boolean) {
  for (let i = 0; i < 20; i++) await fn(); // warm-up
  const times: number[] = [];
  const cpu0 = overHttp && serverPid ? serverCpuMs() : null;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  const cpu = cpu0 !== null ? `   server CPU ${((serverCpuMs() - cpu0) / runs).toFixed(2)} ms/req` : "";
  console.log(`${label.padEnd(40)} p50 ${pct(times, 50).toFixed(2).padStart(7)} ms   p95 ${pct(times, 95).toFixed(2).padStart(7)} ms${cpu}`);
}
const pages: { label: string; filter: Filter; query: string; cursor?: string }[] = [
  { label: "first page", filter: {}, query: "" },
  ...(cursor ? [{ label: `deep page (${values.depth})`, filter: {}, query: "", cursor }] : []),
  { label: "status=FAILED", filter: { statuses: ["FAILED"] }, query: "&status=FAILED" },
  { label: "status=RUNNING,WAITING", filter: { statuses: ["RUNNING", "WAITING"] }, query: "&status=RUNNING,WAITING" },
  { label: `workflow=${workflow}`, filter: { workflows: [workflow] }, query: `&workflow=${encodeURIComponent(workflow)}` },
];
console.log(
  `organization with ${n} executions; ${runs} runs each, one at a time${values.encoding ? `, Accept-Encoding: ${values.encoding}` : ""}; load average ${(await import("node:os")).loadavg().map((l) => l.toFixed(2)).join(" ")}`,
);
for (const p of pages) {
  const position = p.cursor ? positionOf(p.cursor) : null;
  await measure(`${p.label}, in process (SQL)`, () => listExecutions({ orgId }, p.filter, { limit: 50, cursor: position }), false);
  const path = `/api/v1/executions?limit=50${p.query}${p.cursor ? `&cursor=${encodeURIComponent(p.cursor)}` : ""}`;
  await measure(`${p.label}, HTTP`, () => get(path), true);
}
agent.destroy();
await closeDb();
process.exit(0);
