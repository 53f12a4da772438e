// npm run bench:ingest: ingestion throughput and latency of a RUNNING Runwatch over HTTP.
// Scenarios: batches of 500 events and single-event requests, each at concurrency 1, 8 and 32,
// for a fixed time each. Prints a table and writes bench-results/ingest-<timestamp>.json.
//
//   --url http://127.0.0.1:3000   the server (HTTP mode)
//   --key rw_…                    or RUNWATCH_API_KEY; with DATABASE_URL set and no key, a fresh
//                                 organization bench-<random> and a key are created
//   --duration 10                 seconds per scenario
//   --scenarios batch500x1,single32   a subset (names as in the table)
//   --direct                      call the ingestion service in this process instead of HTTP
//                                 (needs DATABASE_URL): the service alone, without Next
//   --service bench/experiments/x.ts  with --direct: another module exporting ingestEvents()
//   --coalesce                    with --direct: through the group commit of POST /api/v1/events
//   --in-flight 4                 with --coalesce: concurrent flushes per organization
//   --server-pid PID              also the server's CPU time per request (HTTP mode)
//
// Each scenario also prints where the machine's CPU went per request: this process (the load
// generator; in direct mode the service too), the server, and the rest of the machine (mostly
// PostgreSQL). On a machine whose cores serve all three, their sum bounds the request rate.
import { randomBytes } from "node:crypto";
import os from "node:os";
import http from "node:http";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { machineBusyMs, processCpuMs } from "./proc-cpu";

const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

function fail(message: string): never {
  console.error(`bench-ingest: ${message}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:3000" },
    key: { type: "string" },
    duration: { type: "string", default: "10" },
    scenarios: { type: "string" },
    "batch-size": { type: "string", default: "500" },
    direct: { type: "boolean", default: false },
    service: { type: "string" },
    coalesce: { type: "boolean", default: false },
    "in-flight": { type: "string" },
    "server-pid": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
  strict: true,
});
if (values.help) {
  console.log("usage: npm run bench:ingest -- [--url URL] [--key rw_…] [--duration S] [--scenarios batch500x8,single32] [--direct] [--server-pid PID]");
  process.exit(0);
}
const durationMs = Number(values.duration) * 1000;
if (!(durationMs > 0 && durationMs <= 600_000)) fail("--duration must be 1 to 600 seconds");
const batchSize = Number(values["batch-size"]);
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) fail("--batch-size must be 1 to 1000");

// ── a realistic event mix: new executions and transitions of existing ones ─────────────

const WORKFLOWS = ["order-fulfillment", "invoice-generation", "user-onboarding", "data-sync", "report-export", "payment-capture", "send-email", "nightly-etl"];
const NEXT: Record<string, string> = { PENDING: "SCHEDULED", SCHEDULED: "RUNNING" };

type Live = { id: string; status: string; heartbeats: number };

/** One worker's stream of events; workers use disjoint executions, as separate engines would. */
class EventStream {
  private live: Live[] = [];
  private n = 0;
  private e = 0;
  constructor(private readonly prefix: string) {}

  next(): Record<string, unknown> {
    const now = new Date().toISOString();
    const eventId = `${this.prefix}:${(this.e++).toString(36)}`;
    if (this.live.length < 64 || Math.random() < 0.2) {
      const id = `${this.prefix}-x${(this.n++).toString(36)}`;
      this.live.push({ id, status: "PENDING", heartbeats: 0 });
      return {
        eventId,
        executionId: id,
        workflow: WORKFLOWS[this.n % WORKFLOWS.length],
        status: "PENDING",
        occurredAt: now,
        input: { orderId: `ord_${this.n}`, amountCents: 1000 + (this.n % 5000) },
        metadata: { region: this.n % 2 ? "eu-west-1" : "us-east-1", tenant: `t${this.n % 7}` },
      };
    }
    const i = Math.floor(Math.random() * this.live.length);
    const x = this.live[i]!;
    if (x.status === "RUNNING" && x.heartbeats < 2 && Math.random() < 0.5) {
      x.heartbeats++;
      return { eventId, executionId: x.id, type: "heartbeat", occurredAt: now };
    }
    if (x.status === "RUNNING") {
      // finished: replace it by the last one so picking stays O(1)
      this.live[i] = this.live[this.live.length - 1]!;
      this.live.pop();
      return Math.random() < 0.9
        ? { eventId, executionId: x.id, status: "COMPLETED", occurredAt: now, output: { ok: true, items: 3 } }
        : { eventId, executionId: x.id, status: "FAILED", occurredAt: now, error: { message: "Card declined", code: "CARD_DECLINED", stack: "PaymentError: card_declined\n    at capture (/app/payment.ts:61:15)" } };
    }
    x.status = NEXT[x.status]!;
    return { eventId, executionId: x.id, status: x.status, occurredAt: now };
  }
}

// ── transports ──────────────────────────────────────────────────────────────────────────

type Answer = { ok: boolean; status: number; events: number; outcomes?: Record<string, number> };
type Transport = (events: Record<string, unknown>[]) => Promise<Answer>;

function httpTransport(url: string, key: string, concurrency: number): { send: Transport; close: () => void } {
  const target = new URL("/api/v1/events", url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const send: Transport = (events) =>
    new Promise((resolve) => {
      const body = JSON.stringify(events.length === 1 ? events[0] : { events });
      const req = http.request(
        target,
        { method: "POST", agent, headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            let outcomes: Record<string, number> | undefined;
            if (status === 200) {
              outcomes = {};
              try {
                for (const r of (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { results: { outcome: string }[] }).results) {
                  outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
                }
              } catch {
                // counted as an error below
                outcomes = undefined;
              }
            }
            resolve({ ok: status === 200 && outcomes !== undefined, status, events: events.length, outcomes });
          });
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
      req.on("error", () => resolve({ ok: false, status: 0, events: events.length }));
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}

let directErrors = 0;

type IngestModule = { ingestEvents: (ctx: { orgId: string }, input: { events: unknown[] }) => Promise<{ outcome: string }[]> };

/** Statements sent to PostgreSQL, counted in direct mode to show round trips per request. */
let statements = 0;

async function directTransport(orgId: string, service: string | undefined): Promise<Transport> {
  const pg = (await import("pg")).default;
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    statements++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  const service_ = (service ? await import(pathToFileURL(path.resolve(service)).href) : await import("../server/ingest/service")) as IngestModule;
  let ingestEvents = service_.ingestEvents;
  if (values.coalesce) {
    const { createCoalescer } = await import("../server/ingest/coalescer");
    const maxInFlight = values["in-flight"] === undefined ? undefined : Number(values["in-flight"]);
    ingestEvents = createCoalescer(ingestEvents as never, { maxInFlight }) as unknown as IngestModule["ingestEvents"];
  }
  return async (events) => {
    try {
      const results = await ingestEvents({ orgId }, { events });
      const outcomes: Record<string, number> = {};
      for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      return { ok: true, status: 200, events: events.length, outcomes };
    } catch (err) {
      if (++directErrors <= 3) console.error(`  error: ${(err as Error).message} ${(err as { detail?: string }).detail ?? ""} ${(err as { where?: string }).where ?? ""}`);
      return { ok: false, status: 500, events: events.length };
    }
  };
}

// ── running a scenario ──────────────────────────────────────────────────────────────────

type Scenario = { name: string; batch: number; concurrency: number };

type Result = {
  scenario: string;
  eventsPerRequest: number;
  concurrency: number;
  seconds: number;
  requests: number;
  events: number;
  eventsPerSecond: number;
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  rateLimited: number;
  errorStatuses: Record<string, number>;
  outcomes: Record<string, number>;
  /** direct mode: SQL statements (round trips) per request, BEGIN and COMMIT included */
  statementsPerRequest?: number;
  /** CPU ms per request: this process, the server (with --server-pid), everything else on the machine */
  cpuMsPerRequest: { bench: number; server: number | null; rest: number };
};

const serverPid = values["server-pid"];

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function runScenario(s: Scenario, transportFor: (concurrency: number) => { send: Transport; close: () => void }, runId: string): Promise<Result> {
  const { send, close } = transportFor(s.concurrency);
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  const errorStatuses: Record<string, number> = {};
  let events = 0;
  let errors = 0;
  let rateLimited = 0;
  const statementsBefore = statements;
  const cpu0 = { bench: process.cpuUsage(), machine: machineBusyMs(), server: serverPid ? processCpuMs(serverPid) : 0 };
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async (w: number) => {
    const stream = new EventStream(`${runId}-${s.name}-w${w}`);
    while (performance.now() < deadline) {
      const batch = Array.from({ length: s.batch }, () => stream.next());
      const t0 = performance.now();
      const answer = await send(batch);
      latencies.push(performance.now() - t0);
      if (answer.status === 429) {
        rateLimited++;
        await new Promise((r) => setTimeout(r, 100));
      }
      if (!answer.ok) {
        errors++;
        errorStatuses[answer.status] = (errorStatuses[answer.status] ?? 0) + 1;
        continue;
      }
      events += answer.events;
      for (const [k, v] of Object.entries(answer.outcomes ?? {})) outcomes[k] = (outcomes[k] ?? 0) + v;
    }
  };
  await Promise.all(Array.from({ length: s.concurrency }, (_, w) => worker(w)));
  const seconds = (performance.now() - started) / 1000;
  const benchCpu = process.cpuUsage(cpu0.bench);
  const benchMs = (benchCpu.user + benchCpu.system) / 1000;
  const serverMs = serverPid ? processCpuMs(serverPid) - cpu0.server : null;
  const restMs = machineBusyMs() - cpu0.machine - benchMs - (serverMs ?? 0);
  close();
  latencies.sort((a, b) => a - b);
  const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
  return {
    scenario: s.name,
    eventsPerRequest: s.batch,
    concurrency: s.concurrency,
    seconds: round(seconds, 2),
    requests: latencies.length,
    events,
    eventsPerSecond: round(events / seconds, 0),
    requestsPerSecond: round(latencies.length / seconds, 0),
    p50Ms: round(percentile(latencies, 50)),
    p95Ms: round(percentile(latencies, 95)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies[latencies.length - 1] ?? 0),
    errors,
    rateLimited,
    errorStatuses,
    outcomes,
    cpuMsPerRequest: {
      bench: round(benchMs / Math.max(1, latencies.length), 2),
      server: serverMs === null ? null : round(serverMs / Math.max(1, latencies.length), 2),
      rest: round(Math.max(0, restMs) / Math.max(1, latencies.length), 2),
    },
    ...(statements > statementsBefore ? { statementsPerRequest: round((statements - statementsBefore) / Math.max(1, latencies.length)) } : {}),
  };
}

function table(results: Result[]): string {
  const head = ["scenario", "ev/req", "conc", "requests", "events/s", "requests/s", "p50 ms", "p95 ms", "p99 ms", "errors"];
  const rows = results.map((r) => [r.scenario, r.eventsPerRequest, r.concurrency, r.requests, r.eventsPerSecond, r.requestsPerSecond, r.p50Ms, r.p95Ms, r.p99Ms, r.errors].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

// ── main ────────────────────────────────────────────────────────────────────────────────

// singles first: a scenario that overloads the server leaves a backlog behind it, and the
// batched ones are the likelier to do that
const ALL: Scenario[] = [
  { name: "single1", batch: 1, concurrency: 1 },
  { name: "single8", batch: 1, concurrency: 8 },
  { name: "single32", batch: 1, concurrency: 32 },
  { name: `batch${batchSize}x1`, batch: batchSize, concurrency: 1 },
  { name: `batch${batchSize}x8`, batch: batchSize, concurrency: 8 },
  { name: `batch${batchSize}x32`, batch: batchSize, concurrency: 32 },
];
const wanted = values.scenarios?.split(",").map((s) => s.trim());
const scenarios = wanted ? ALL.filter((s) => wanted.includes(s.name)) : ALL;
if (!scenarios.length) fail(`no such scenario; known: ${ALL.map((s) => s.name).join(", ")}`);

/** A fresh organization (and key) in the database at DATABASE_URL. */
async function freshOrg(): Promise<{ orgId: string; slug: string; key: string }> {
  const { createOrg } = await import("../server/orgs/service");
  const { createApiKey } = await import("../server/apikeys/service");
  const { systemContext } = await import("../server/context");
  const slug = `bench-${randomBytes(4).toString("hex")}`;
  const org = await createOrg({ slug, name: `Benchmark ${slug}` });
  const { key } = await createApiKey(systemContext(org.id, "bench"), { name: "bench-ingest" });
  return { orgId: org.id, slug, key };
}

const runId = randomBytes(3).toString("hex");
let transportFor: (concurrency: number) => { send: Transport; close: () => void };
let target: string;
let org: string | undefined;
if (values.direct) {
  if (!process.env.DATABASE_URL) fail("--direct needs DATABASE_URL");
  const fresh = await freshOrg();
  org = fresh.slug;
  const send = await directTransport(fresh.orgId, values.service);
  transportFor = () => ({ send, close: () => {} });
  target = `direct ingestEvents() of ${values.service ?? "server/ingest/service.ts"}${values.coalesce ? ` coalesced (in flight ${values["in-flight"] ?? "default"})` : ""} (pool ${process.env.RUNWATCH_DB_POOL_SIZE ?? "default"})`;
} else {
  let key = values.key ?? process.env.RUNWATCH_API_KEY;
  if (!key && process.env.DATABASE_URL) {
    const fresh = await freshOrg();
    key = fresh.key;
    org = fresh.slug;
    const { closeDb } = await import("../server/db/client");
    await closeDb();
  }
  if (!key) fail("no API key: pass --key rw_…, set RUNWATCH_API_KEY, or set DATABASE_URL to create a bench organization");
  const health = await fetch(new URL("/api/health", values.url)).catch((err: Error) => fail(`cannot reach ${values.url}: ${err.message}`));
  if (!health.ok) fail(`${values.url}/api/health answered ${health.status}`);
  transportFor = (c) => httpTransport(values.url, key!, c);
  target = values.url;
}

console.log(`bench-ingest: ${target}${org ? `, organization ${org}` : ""}, ${durationMs / 1000} s per scenario`);
// warm-up: the first requests compile routes and fill pools; they are not measured
await runScenario({ name: "warmup", batch: 20, concurrency: 4 }, transportFor, `${runId}w`).catch(() => {});

const results: Result[] = [];
for (const s of scenarios) {
  const r = await runScenario(s, transportFor, runId);
  results.push(r);
  console.log(
    `  ${r.scenario}: ${r.eventsPerSecond} events/s, ${r.requestsPerSecond} req/s, p99 ${r.p99Ms} ms, errors ${r.errors}` +
      (r.errors ? ` ${JSON.stringify(r.errorStatuses)}` : "") +
      ` outcomes ${JSON.stringify(r.outcomes)}` +
      (r.statementsPerRequest !== undefined ? `, ${r.statementsPerRequest} SQL statements per request` : ""),
  );
  const cpu = r.cpuMsPerRequest;
  console.log(
    `    CPU ms per request: bench ${cpu.bench}${cpu.server === null ? "" : `, server ${cpu.server}`}, rest of the machine ${cpu.rest} (PostgreSQL…); ` +
      `${os.cpus().length} cores bound it at ${Math.round((os.cpus().length * 1000) / (cpu.bench + (cpu.server ?? 0) + cpu.rest))} req/s`,
  );
}
console.log("");
console.log(table(results));

const dir = path.join(projectRoot, "bench-results");
await mkdir(dir, { recursive: true });
const file = path.join(dir, `ingest-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
await writeFile(file, `${JSON.stringify({ at: new Date().toISOString(), target, org, durationSeconds: durationMs / 1000, results }, null, 2)}\n`);
console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
if (values.direct) {
  const { closeDb } = await import("../server/db/client");
  await closeDb();
}
process.exit(0);
