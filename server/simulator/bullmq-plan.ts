// What the BullMQ demo enqueues: a pure function of a seeded random source, so a run can be
// repeated and tested. Each job says how its worker behaves (how long it takes, whether an
// attempt fails), and the workers in server/simulator/bullmq.ts act it out.
import { createRng } from "../gen/random";

export type DemoJob = {
  queue: string;
  name: string;
  data: { ms: number; failAttempts: number; progressSteps: number };
  attempts: number;
};

const QUEUES: { queue: string; names: string[]; minMs: number; maxMs: number }[] = [
  { queue: "billing", names: ["charge-card", "send-invoice", "refund"], minMs: 300, maxMs: 4000 },
  { queue: "email", names: ["welcome", "digest", "password-reset"], minMs: 100, maxMs: 1500 },
  { queue: "media", names: ["transcode", "thumbnail"], minMs: 1000, maxMs: 12_000 },
];

export const DEMO_QUEUES = QUEUES.map((q) => q.queue);

/** An endless stream of demo jobs: mostly succeed, some retry and recover, a few fail for good. */
export function* demoJobs(seed: number): Generator<DemoJob> {
  const rng = createRng(seed);
  for (;;) {
    const q = rng.pick(QUEUES);
    const name = rng.pick(q.names);
    const roll = rng.next();
    const attempts = 3;
    // 80 % succeed first time, 12 % recover on a retry, 8 % fail every attempt
    const failAttempts = roll < 0.8 ? 0 : roll < 0.92 ? rng.int(1, 3) : attempts;
    yield {
      queue: q.queue,
      name,
      attempts,
      data: { ms: Math.round(rng.uniform(q.minMs, q.maxMs)), failAttempts, progressSteps: q.maxMs > 5000 ? 4 : 0 },
    };
  }
}
