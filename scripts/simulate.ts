// npm run simulate: realistic workflow traffic against a running Runwatch, through its public
// HTTP API only. Flags (or env): --url (RUNWATCH_URL), --key (RUNWATCH_API_KEY, else the demo
// credentials file), --rate executions/s (RUNWATCH_SIMULATE_RATE, 2), --duration seconds (until
// SIGINT/SIGTERM), --seed (random; printed, so a run can be repeated), --concurrency (8).
// With --duration, executions start for that long and then run to their planned end (at most
// --drain seconds, default 120), so only the executions meant to be stuck are left active.
// SIGINT/SIGTERM stop at once (events still planned are dropped).
// --engine bullmq (RUNWATCH_SIMULATE_ENGINE=bullmq) runs real BullMQ queues and workers on Redis
// (--redis host:port, default 127.0.0.1:6379) reported through @runwatch/node/bullmq instead;
// --rate is then jobs/s. When Redis does not answer it says so and falls back to the HTTP traffic.
import { validateConfigOrExit } from "../server/config";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { redisReachable, runBullmqEngine } from "../server/simulator/bullmq";
import { Sender } from "../server/simulator/sender";

const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

function fail(message: string): never {
  console.error(`simulate: ${message}`);
  process.exit(2);
}

function demoKey(): string | undefined {
  try {
    const saved = JSON.parse(readFileSync(path.join(projectRoot, ".runwatch", "demo-credentials.json"), "utf8")) as { apiKey?: unknown };
    return typeof saved.apiKey === "string" ? saved.apiKey : undefined;
  } catch {
    return undefined;
  }
}

function positive(name: string, raw: string | undefined, fallback: number | undefined): number | undefined {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) fail(`--${name} must be a positive number, got "${raw}"`);
  return n;
}

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    key: { type: "string" },
    rate: { type: "string" },
    duration: { type: "string" },
    drain: { type: "string" },
    seed: { type: "string" },
    concurrency: { type: "string" },
    engine: { type: "string" },
    redis: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
  strict: true,
});

if (values.help) {
  console.log("usage: npm run simulate -- [--url http://127.0.0.1:3000] [--key rw_…] [--rate 2] [--duration SECONDS [--drain 120]] [--seed N] [--concurrency 8] [--engine http|bullmq [--redis 127.0.0.1:6379]]");
  process.exit(0);
}

const settings = validateConfigOrExit();
const url = values.url ?? settings.RUNWATCH_URL ?? "http://127.0.0.1:3000";
const apiKey = values.key ?? settings.RUNWATCH_API_KEY ?? demoKey();
if (!apiKey) fail("no API key: pass --key rw_…, set RUNWATCH_API_KEY, or run `npm start` once so .runwatch/demo-credentials.json exists");
const rate = positive("rate", values.rate ?? String(settings.RUNWATCH_SIMULATE_RATE), 2)!;
const durationSeconds = positive("duration", values.duration, undefined);
const drainSeconds = values.drain === "0" ? 0 : positive("drain", values.drain, 120);
const concurrency = positive("concurrency", values.concurrency, 8)!;
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isInteger(seed)) fail(`--seed must be an integer, got "${values.seed}"`);

const engine = values.engine ?? settings.RUNWATCH_SIMULATE_ENGINE;
if (engine !== "http" && engine !== "bullmq") fail(`--engine must be http or bullmq, got "${engine}"`);
if (engine === "bullmq") {
  const [host = "127.0.0.1", portText = "6379"] = (values.redis ?? settings.RUNWATCH_SIMULATE_REDIS).split(":");
  const redis = { host, port: Number(portText) };
  if (await redisReachable(redis)) {
    console.log(`simulator: BullMQ engine on Redis ${host}:${portText}, ${rate} jobs/s, seed ${seed}, reporting to ${url} through @runwatch/node/bullmq`);
    const demo = await runBullmqEngine({ url, apiKey, rate, seed, durationSeconds, redis });
    let stopping = false;
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.on(signal, () => {
        if (stopping) process.exit(130);
        stopping = true;
        void demo.stop().then(() => process.exit(0));
      });
    }
    await demo.done;
    await demo.stop();
    process.exit(0);
  }
  console.log(`simulator: Redis does not answer at ${host}:${portText}; sending the HTTP traffic instead`);
}

const sender = new Sender({ url, apiKey, scenario: { seed, rate }, durationSeconds, drainSeconds, concurrency: Math.floor(concurrency) });
console.log(`simulator: sending to ${url} at ${rate} executions/s, seed ${seed}${durationSeconds ? `, for ${durationSeconds} s` : ", until stopped"}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    // a second signal means now
    if (stopRequested) process.exit(130);
    stopRequested = true;
    sender.stop();
  });
}
let stopRequested = false;
const stats = await sender.run();
process.exit(stats.errors.http5xx + stats.errors.network > 0 && stats.events === 0 ? 1 : 0);
