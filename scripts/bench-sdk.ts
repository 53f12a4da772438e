// npm run bench:sdk: figures for @runwatch/node (printed, nothing asserted).
//   1. send() overhead: the cost of one call to the caller's job (target < 5 µs).
//   2. throughput: events/s through the SDK to a local Runwatch at batches of 1,000.
//   3. connector lag: a BullMQ state change (its stream entry's time) to Runwatch's answer for
//      it (target p95 < 500 ms), at a steady job rate, with real workers.
//   4. glue: the lines a BullMQ user writes now (bench/glue-bullmq.ts).
// Needs DATABASE_URL (a throwaway database is made on that server) and Redis at 127.0.0.1:6379.
// Flags: --events 50000 (throughput), --jobs 400 and --job-rate 40 (lag).
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { Runwatch } from "@runwatch/node";
import { watchQueue } from "@runwatch/node/bullmq";
import { Queue, Worker } from "bullmq";
import { startApiProcess } from "../tests/setup/api-process";
import { startFlakyProxy } from "../tests/setup/flaky-proxy";
import { provisionTestDatabase } from "../tests/setup/provision-db";

const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const { values } = parseArgs({
  options: { events: { type: "string", default: "50000" }, jobs: { type: "string", default: "400" }, "job-rate": { type: "string", default: "40" } },
});

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rows: [string, string, string][] = [];

function sendOverhead(): void {
  const runwatch = new Runwatch({ url: "http://127.0.0.1:9", apiKey: "rw_bench", maxQueueSize: 2_000_000, handleProcessExit: false, closeTimeoutMs: 0 });
  const event = { executionId: "bench-1", workflow: "bench.overhead", status: "RUNNING", metadata: { k: "v" } };
  for (let i = 0; i < 50_000; i++) runwatch.send(event); // warm up
  const N = 1_000_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) runwatch.send(event);
  const ns = Number(process.hrtime.bigint() - t0) / N;
  rows.push(["send() overhead", `${(ns / 1000).toFixed(3)} µs per call (${N.toLocaleString()} calls)`, "< 5 µs"]);
  void runwatch.close();
}

async function main() {
  if (!process.env.DATABASE_URL) throw new Error("set DATABASE_URL to a PostgreSQL server (a throwaway database is made on it)");
  sendOverhead();

  const db = await provisionTestDatabase();
  process.env.DATABASE_URL = db.url;
  const { createApiKey } = await import("../server/apikeys/service");
  const { systemContext } = await import("../server/context");
  const { prisma, closeDb } = await import("../server/db/client");
  const org = await prisma().organization.create({ data: { slug: `bench-sdk-${Date.now()}`, name: "SDK bench" }, select: { id: true } });
  const { key } = await createApiKey(systemContext(org.id, "bench"), { name: "bench" });
  const api = await startApiProcess(db.url, { RUNWATCH_RATE_LIMIT_PER_SECOND: "100000" });
  try {
    // 2. throughput: executions of 5 events each, all queued at once, timed to the last answer
    const total = Number(values.events);
    const runwatch = new Runwatch({ url: api.base, apiKey: key, maxQueueSize: total + 1, handleProcessExit: false });
    const statuses = ["PENDING", "SCHEDULED", "RUNNING", "RUNNING", "COMPLETED"];
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const n = Math.floor(i / 5);
      runwatch.send({ executionId: `tp-${n}`, workflow: `bench.tp${n % 10}`, status: statuses[i % 5]!, ...(i % 5 === 3 ? { type: "heartbeat" as const } : {}) });
    }
    await runwatch.flush();
    const seconds = (performance.now() - t0) / 1000;
    const stats = runwatch.stats();
    rows.push(["throughput, batches of 1,000", `${Math.round(total / seconds).toLocaleString()} events/s (${total.toLocaleString()} events, ${stats.requests} requests, ${seconds.toFixed(1)} s)`, "—"]);
    await runwatch.close();

    // 3. lag: the proxy notes when each answer comes back; the eventId names the stream entry
    const proxy = await startFlakyProxy(api.base);
    const queueName = `bench-lag-${Date.now()}`;
    const connection = { host: "127.0.0.1", port: 6379 };
    const queue = new Queue(queueName, { connection });
    const lagClient = new Runwatch({ url: proxy.base, apiKey: key, handleProcessExit: false });
    const stop = await watchQueue({ queue: queueName, connection, runwatch: lagClient });
    const worker = new Worker(queueName, async () => sleep(5), { connection, concurrency: 8 });
    const jobs = Number(values.jobs);
    const rate = Number(values["job-rate"]);
    for (let i = 0; i < jobs; i++) {
      await queue.add("step", { i });
      await sleep(1000 / rate);
    }
    await sleep(1500);
    await lagClient.flush();
    const lags: number[] = [];
    const answered = new Map<string, number>();
    for (const seen of proxy.seen) {
      for (const e of seen.events) if (typeof e.eventId === "string") answered.set(e.eventId, seen.answeredAt ?? seen.at);
    }
    for (const [eventId, at] of answered) {
      // bullmq:<prefix>:<queue>:<ms>-<seq>: the stream entry's time is the state change's
      const m = /:(\d+)-\d+$/.exec(eventId);
      if (m) lags.push(at - Number(m[1]));
    }
    rows.push([
      "connector lag, state change → Runwatch",
      `p50 ${quantile(lags, 0.5)} ms, p95 ${quantile(lags, 0.95)} ms, max ${Math.max(...lags)} ms (${lags.length} state changes, ${jobs} jobs at ${rate}/s)`,
      "p95 < 500 ms",
    ]);
    await worker.close();
    await stop();
    await lagClient.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await proxy.close();
  } finally {
    await api.stop();
    await closeDb();
    await db.teardown();
  }

  // 4. glue: what a BullMQ user writes, counted without blank lines and comments
  const glue = readFileSync(path.join(projectRoot, "bench/glue-bullmq.ts"), "utf8")
    .split("\n")
    .filter((l) => l.trim() && !l.trim().startsWith("//"));
  rows.push(["glue a BullMQ user writes", `${glue.length} lines (bench/glue-bullmq.ts)`, "was ~93"]);

  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`\n@runwatch/node benchmark (${new Date().toISOString()}, node ${process.version})`);
  for (const [what, figure, target] of rows) console.log(`  ${what.padEnd(width)}  ${figure}   [target ${target}]`);
  process.exit(0);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
