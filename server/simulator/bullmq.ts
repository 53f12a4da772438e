// The simulator's BullMQ engine (`npm run simulate -- --engine bullmq`): real BullMQ queues and
// workers on the local Redis, reported to Runwatch only through @runwatch/node/bullmq, as a user
// would wire it. The dashboard then shows real engine traffic: retries as attempts with their
// errors, progress as heartbeats.
import { Runwatch } from "@runwatch/node";
import { watchQueue } from "@runwatch/node/bullmq";
import { Queue, Worker } from "bullmq";
import { DEMO_QUEUES, demoJobs, type DemoJob } from "./bullmq-plan";

export type BullmqEngineOptions = {
  url: string;
  apiKey: string;
  /** jobs added per second */
  rate: number;
  seed: number;
  /** stop adding jobs after this long, let the rest finish; until stop() otherwise */
  durationSeconds?: number;
  redis?: { host: string; port: number };
  /** queue names get this prefix, so a demo never touches an application's queues */
  queuePrefix?: string;
  /** job durations are multiplied by this (tests run the demo faster); default 1 */
  timeScale?: number;
  log?: (line: string) => void;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether Redis answers within a second (the engine needs it; the HTTP simulator does not). */
export async function redisReachable(redis: { host: string; port: number }): Promise<boolean> {
  const { createConnection } = await import("node:net");
  return new Promise((resolve) => {
    const socket = createConnection(redis);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => {
      socket.write("PING\r\n");
      socket.once("data", (d) => done(String(d).startsWith("+PONG")));
    });
  });
}

async function work(job: { data: DemoJob["data"]; attemptsMade: number; updateProgress(p: number): Promise<void> }, timeScale: number) {
  const { failAttempts, progressSteps } = job.data;
  const ms = job.data.ms * timeScale;
  const steps = Math.max(1, progressSteps);
  for (let i = 1; i <= steps; i++) {
    await sleep(ms / steps);
    if (progressSteps) await job.updateProgress(Math.round((i / steps) * 100));
  }
  if (job.attemptsMade < failAttempts) throw new Error(`simulated failure on attempt ${job.attemptsMade + 1} of ${failAttempts > 2 ? "a job that always fails" : "a flaky job"}`);
  return { tookMs: ms };
}

export async function runBullmqEngine(options: BullmqEngineOptions): Promise<{ stop(): Promise<void>; done: Promise<void> }> {
  const connection = options.redis ?? { host: "127.0.0.1", port: 6379 };
  const log = options.log ?? ((line: string) => console.log(line));
  const prefix = options.queuePrefix ?? "runwatch-demo.";
  const runwatch = new Runwatch({ url: options.url, apiKey: options.apiKey, logger: (level, message) => level !== "debug" && log(`simulator (bullmq): ${message}`) });
  const names = DEMO_QUEUES.map((q) => prefix + q);
  const queues = new Map(names.map((name) => [name, new Queue(name, { connection })]));
  // the connector is all the glue: one call per queue
  const stops = await Promise.all(names.map((queue) => watchQueue({ queue, connection, runwatch, from: "now" })));
  const workers = names.map((name) => new Worker(name, (job) => work(job, options.timeScale ?? 1), { connection, concurrency: 8 }));

  let stopping = false;
  const jobs = demoJobs(options.seed);
  const until = options.durationSeconds ? Date.now() + options.durationSeconds * 1000 : Infinity;
  let added = 0;
  const done = (async () => {
    const started = Date.now();
    while (!stopping && Date.now() < until) {
      const job = jobs.next().value as DemoJob;
      await queues.get(prefix + job.queue)!.add(job.name, job.data, { attempts: job.attempts, backoff: { type: "exponential", delay: 500 }, removeOnComplete: 1000, removeOnFail: 1000 });
      added++;
      if (added % 100 === 0) log(`simulator (bullmq): ${added} jobs added; Runwatch: ${JSON.stringify(runwatch.stats())}`);
      // keep the rate on average, however long add() took
      await sleep(Math.max(0, started + (added / options.rate) * 1000 - Date.now()));
    }
  })();

  return {
    done,
    async stop() {
      stopping = true;
      await done;
      await Promise.all(workers.map((w) => w.close()));
      for (const stop of stops) await stop();
      for (const q of queues.values()) await q.close();
      await runwatch.close();
    },
  };
}
