// The demo's story as plain data: a week of executions of a few workflows, told as the events an
// engine would send. Pure and deterministic (a seeded random generator and an explicit `now`),
// so the seed is reproducible and the scenario is tested without a database.
import { createRng, type Rng } from "../gen/random";

export type DemoEvent = {
  eventId: string;
  executionId: string;
  workflow: string;
  type?: "status" | "heartbeat";
  status?: string;
  occurredAt: string;
  attempt?: number;
  error?: { message: string; code?: string };
  input?: unknown;
  output?: unknown;
  continuedAsNewTo?: string;
  parentExecutionId?: string;
  metadata?: Record<string, string>;
};

export type DemoWorkflow = {
  key: string;
  name: string;
  /** share of all executions */
  weight: number;
  /** typical run time range, seconds */
  durationSeconds: [number, number];
  /** probabilities of the unhappy endings; the rest complete */
  failRate: number;
  timeoutRate: number;
  cancelRate: number;
  errors: { message: string; code: string }[];
  /** a per-workflow override of the organization's stuck-running threshold */
  stuckRunningAfterSeconds?: number;
};

export const DEMO_WORKFLOWS: DemoWorkflow[] = [
  {
    key: "billing.invoice-run",
    name: "Invoice run",
    weight: 0.2,
    durationSeconds: [30, 180],
    failRate: 0.05,
    timeoutRate: 0.01,
    cancelRate: 0.01,
    errors: [
      { message: "Stripe API returned 429 Too Many Requests", code: "STRIPE_RATE_LIMITED" },
      { message: "Customer cus_8Hq2 has no default payment method", code: "NO_PAYMENT_METHOD" },
    ],
  },
  {
    key: "etl.nightly-sync",
    name: "Nightly warehouse sync",
    weight: 0.1,
    durationSeconds: [600, 2400],
    failRate: 0.06,
    timeoutRate: 0.03,
    cancelRate: 0.01,
    errors: [
      { message: "connection to warehouse.internal:5439 reset by peer", code: "ECONNRESET" },
      { message: "column \"region_id\" does not exist in source table orders_v2", code: "SCHEMA_DRIFT" },
    ],
    // long syncs are normal here: an hour of silence before calling one stuck
    stuckRunningAfterSeconds: 3600,
  },
  {
    key: "email.digest",
    name: "Daily email digest",
    weight: 0.32,
    durationSeconds: [2, 15],
    failRate: 0.03,
    timeoutRate: 0.005,
    cancelRate: 0.02,
    errors: [
      { message: "SMTP 451 4.7.1 Try again later", code: "SMTP_TEMPFAIL" },
      { message: "Template digest-v3 failed to render: missing variable `unsubscribeUrl`", code: "TEMPLATE_ERROR" },
    ],
  },
  {
    key: "ml.train-model",
    name: "Train recommendation model",
    weight: 0.08,
    durationSeconds: [1200, 5400],
    failRate: 0.1,
    timeoutRate: 0.06,
    cancelRate: 0.04,
    errors: [
      { message: "CUDA out of memory: tried to allocate 2.00 GiB", code: "OOM" },
      { message: "Validation loss diverged (NaN) at epoch 7", code: "DIVERGED" },
    ],
  },
  {
    key: "tenant.provision",
    name: "Provision tenant",
    weight: 0.18,
    durationSeconds: [8, 90],
    failRate: 0.04,
    timeoutRate: 0.01,
    cancelRate: 0.05,
    errors: [
      { message: "DNS record acme.runwatch.app already exists", code: "DNS_CONFLICT" },
      { message: "Quota exceeded for project tenants-eu: 500 databases", code: "QUOTA_EXCEEDED" },
    ],
  },
  {
    key: "payments.reconcile",
    name: "Reconcile payments ledger",
    weight: 0.12,
    durationSeconds: [60, 900],
    failRate: 0.04,
    timeoutRate: 0.02,
    cancelRate: 0.01,
    errors: [{ message: "Ledger mismatch: 3 transactions unmatched after 2 passes", code: "LEDGER_MISMATCH" }],
  },
];

export const DEMO_DEFAULT_THRESHOLDS = { stuckScheduledAfterSeconds: 300, stuckRunningAfterSeconds: 1800 };

const DAY_MS = 86_400_000;
const REGIONS = ["eu-west-1", "us-east-1", "ap-southeast-2"];
const TRIGGERS = ["schedule", "api", "backfill", "operator"];

const between = (rng: Rng, [lo, hi]: [number, number]) => rng.uniform(lo, hi);
const hex = (rng: Rng, length: number) => Array.from({ length }, () => rng.int(0, 16).toString(16)).join("");

function pickWorkflow(rng: Rng): DemoWorkflow {
  let r = rng.next() * DEMO_WORKFLOWS.reduce((sum, w) => sum + w.weight, 0);
  for (const w of DEMO_WORKFLOWS) {
    r -= w.weight;
    if (r <= 0) return w;
  }
  return DEMO_WORKFLOWS[DEMO_WORKFLOWS.length - 1]!;
}

/** Builds one execution's events; every event gets a unique id derived from the execution. */
class ExecutionStory {
  readonly events: DemoEvent[] = [];
  private seq = 0;
  constructor(
    readonly executionId: string,
    readonly workflow: DemoWorkflow,
    private readonly common: Pick<DemoEvent, "metadata" | "parentExecutionId"> = {},
  ) {}

  status(status: string, at: number, extra: Partial<DemoEvent> = {}): DemoEvent {
    const event: DemoEvent = {
      eventId: `${this.executionId}:${++this.seq}`,
      executionId: this.executionId,
      workflow: this.workflow.key,
      status,
      occurredAt: new Date(at).toISOString(),
      ...(this.seq === 1 ? this.common : {}),
      ...extra,
    };
    this.events.push(event);
    return event;
  }

  heartbeat(at: number, attempt = 1): void {
    this.events.push({ eventId: `${this.executionId}:${++this.seq}`, executionId: this.executionId, workflow: this.workflow.key, type: "heartbeat", occurredAt: new Date(at).toISOString(), attempt });
  }

  /** The engine sent the same event twice (at-least-once delivery). */
  resend(event: DemoEvent): void {
    this.events.push({ ...event });
  }
}

function executionId(rng: Rng, workflow: DemoWorkflow): string {
  return `${workflow.key.replace(/[^a-z]+/g, "-")}-${hex(rng, 12)}`;
}

function inputFor(rng: Rng, workflow: DemoWorkflow): unknown {
  switch (workflow.key) {
    case "billing.invoice-run":
      return { billingPeriod: "2026-11", customers: Math.floor(between(rng, [50, 900])) };
    case "etl.nightly-sync":
      return { source: "postgres://orders", target: "warehouse.orders", full: rng.chance(0.1) };
    case "email.digest":
      return { userId: `usr_${hex(rng, 8)}`, items: Math.floor(between(rng, [3, 40])) };
    case "ml.train-model":
      return { model: "recs-v4", epochs: 12, dataset: `s3://ml/recs/${hex(rng, 6)}` };
    case "tenant.provision":
      return { tenant: `t-${hex(rng, 6)}`, plan: rng.pick(["free", "team", "enterprise"]) };
    default:
      return { ledger: "main", day: new Date().toISOString().slice(0, 10) };
  }
}

type Ending = "COMPLETED" | "FAILED" | "TIMED_OUT" | "CANCELLED";

function pickEnding(rng: Rng, w: DemoWorkflow): Ending {
  const r = rng.next();
  if (r < w.failRate) return "FAILED";
  if (r < w.failRate + w.timeoutRate) return "TIMED_OUT";
  if (r < w.failRate + w.timeoutRate + w.cancelRate) return "CANCELLED";
  return "COMPLETED";
}

/**
 * A finished execution: queued, scheduled, started (sometimes retried after a lost worker),
 * with heartbeats while long runs work, then an ending. Some get the engine's usual noise:
 * a duplicate delivery, a late RUNNING after the end, an out-of-order SCHEDULED.
 */
function finishedExecution(rng: Rng, w: DemoWorkflow, createdAt: number, now: number): DemoEvent[] {
  const story = new ExecutionStory(executionId(rng, w), w, { metadata: { region: rng.pick(REGIONS), trigger: rng.pick(TRIGGERS) } });
  const duration = between(rng, w.durationSeconds) * 1000;
  const ending = pickEnding(rng, w);
  const scheduledAt = createdAt + between(rng, [100, 4000]);
  let startedAt = scheduledAt + between(rng, [200, 8000]);
  // a run must end in the past
  const endAt = Math.min(startedAt + duration, now - 5_000);

  story.status("PENDING", createdAt, { input: inputFor(rng, w) });
  story.status("SCHEDULED", scheduledAt);
  const retried = rng.chance(0.03) && endAt - startedAt > 20_000;
  if (retried) {
    // the first worker vanished; the engine reschedules as attempt 2
    story.status("RUNNING", startedAt);
    const rescheduledAt = startedAt + (endAt - startedAt) * 0.3;
    story.status("SCHEDULED", rescheduledAt, { attempt: 2 });
    startedAt = rescheduledAt + 2_000;
    story.status("RUNNING", startedAt, { attempt: 2 });
  } else {
    story.status("RUNNING", startedAt);
    // the engine re-sends SCHEDULED under a new id after RUNNING landed: older by rank, "stale"
    if (rng.chance(0.03)) story.status("SCHEDULED", scheduledAt + 50);
  }
  const attempt = retried ? 2 : 1;
  for (let t = startedAt + 300_000; t < endAt; t += 300_000) story.heartbeat(t, attempt);

  const extra: Partial<DemoEvent> = { attempt };
  if (ending === "FAILED") extra.error = rng.pick(w.errors);
  if (ending === "TIMED_OUT") extra.error = { message: `exceeded its time limit of ${Math.round(w.durationSeconds[1])}s`, code: "TIMEOUT" };
  if (ending === "CANCELLED") extra.error = { message: rng.pick(["cancelled by operator", "superseded by a newer run"]), code: "CANCELLED" };
  if (ending === "COMPLETED") extra.output = { ok: true, processed: Math.floor(between(rng, [1, 5000])) };
  const last = story.status(ending, endAt, extra);

  // duplicate delivery of the same event: answered "duplicate"
  if (rng.chance(0.03)) story.resend(last);
  // a slow worker reports RUNNING after the end: "rejected", the terminal status stands
  if (ending !== "COMPLETED" && rng.chance(0.12)) story.status("RUNNING", endAt + 1_000, { attempt });
  // a second worker claims success after the failure: "rejected"
  if (ending === "FAILED" && rng.chance(0.08)) story.status("COMPLETED", endAt + 2_000, { attempt });
  return story.events;
}

/** An active execution that is fine: recent, and within its thresholds. */
function healthyActiveExecution(rng: Rng, w: DemoWorkflow, now: number): DemoEvent[] {
  const story = new ExecutionStory(executionId(rng, w), w, { metadata: { region: rng.pick(REGIONS), trigger: "schedule" } });
  const createdAt = now - between(rng, [5_000, 120_000]);
  story.status("PENDING", createdAt, { input: inputFor(rng, w) });
  const stage = rng.pick(["PENDING", "SCHEDULED", "RUNNING", "RUNNING", "WAITING"] as const);
  if (stage === "PENDING") return story.events;
  story.status("SCHEDULED", createdAt + 1_000);
  if (stage === "SCHEDULED") return story.events;
  story.status("RUNNING", createdAt + 3_000);
  if (stage === "WAITING") story.status("WAITING", createdAt + 4_000, { metadata: { waitingFor: "approval" } });
  else story.heartbeat(now - between(rng, [1_000, 30_000]));
  return story.events;
}

/** Stuck on purpose: scheduled but never picked up, or running with a worker gone silent. */
function stuckExecution(rng: Rng, w: DemoWorkflow, now: number, kind: "scheduled" | "running"): DemoEvent[] {
  const story = new ExecutionStory(executionId(rng, w), w, { metadata: { region: rng.pick(REGIONS), trigger: "schedule" } });
  if (kind === "scheduled") {
    const scheduledAt = now - (DEMO_DEFAULT_THRESHOLDS.stuckScheduledAfterSeconds * 1000 + between(rng, [60_000, 6 * 3_600_000]));
    story.status("PENDING", scheduledAt - 2_000, { input: inputFor(rng, w) });
    story.status("SCHEDULED", scheduledAt);
    return story.events;
  }
  const threshold = (w.stuckRunningAfterSeconds ?? DEMO_DEFAULT_THRESHOLDS.stuckRunningAfterSeconds) * 1000;
  const lastSign = now - (threshold + between(rng, [120_000, 8 * 3_600_000]));
  const startedAt = lastSign - between(rng, [0, 1_800_000]);
  story.status("PENDING", startedAt - 5_000, { input: inputFor(rng, w) });
  story.status("SCHEDULED", startedAt - 3_000);
  story.status("RUNNING", startedAt);
  if (lastSign > startedAt + 1_000) story.heartbeat(lastSign);
  return story.events;
}

/** A ContinueAsNew chain of three runs: two continued, the newest still running or completed. */
function continuedAsNewChain(rng: Rng, w: DemoWorkflow, now: number): DemoEvent[] {
  const ids = [executionId(rng, w), executionId(rng, w), executionId(rng, w)];
  // three links of at most 12 hours each fit in the two days before `now`
  let at = now - between(rng, [2, 6]) * DAY_MS;
  const events: DemoEvent[] = [];
  ids.forEach((id, i) => {
    const story = new ExecutionStory(id, w, { metadata: { region: "eu-west-1", trigger: "schedule", chain: ids[0]! } });
    story.status("PENDING", at, { input: { ledger: "main", pass: i + 1 } });
    story.status("SCHEDULED", at + 500);
    story.status("RUNNING", at + 1_500);
    const end = Math.min(at + between(rng, [3_600_000, 12 * 3_600_000]), now - 60_000);
    const next = ids[i + 1];
    if (next) story.status("CONTINUED_AS_NEW", end, { continuedAsNewTo: next, output: { carriedOver: Math.floor(between(rng, [10, 400])) } });
    else if (rng.chance(0.5)) story.status("COMPLETED", end, { output: { reconciled: true } });
    else story.heartbeat(now - 20_000);
    events.push(...story.events);
    at = end + 1_000;
  });
  return events;
}

export type DemoScenarioOptions = { now: Date; executions?: number; seed?: number };

export type DemoScenario = { events: DemoEvent[]; executionCount: number };

/**
 * About `executions` executions over the last seven days, busier in working hours, plus a few
 * healthy active ones, a dozen stuck ones and four ContinueAsNew chains.
 */
export function buildDemoScenario({ now: nowDate, executions = 3000, seed = 42 }: DemoScenarioOptions): DemoScenario {
  const rng = createRng(seed);
  const now = nowDate.getTime();
  const executionsEvents: DemoEvent[][] = [];
  const chainWorkflow = DEMO_WORKFLOWS.find((w) => w.key === "payments.reconcile")!;

  for (let i = 0; i < 4; i++) executionsEvents.push(continuedAsNewChain(rng, chainWorkflow, now));
  for (let i = 0; i < 7; i++) executionsEvents.push(stuckExecution(rng, pickWorkflow(rng), now, "scheduled"));
  for (let i = 0; i < 6; i++) executionsEvents.push(stuckExecution(rng, rng.pick(DEMO_WORKFLOWS.filter((w) => w.durationSeconds[1] >= 180)), now, "running"));
  for (let i = 0; i < 25; i++) executionsEvents.push(healthyActiveExecution(rng, pickWorkflow(rng), now));

  const finished = executions - executionsEvents.length;
  for (let i = 0; i < finished; i++) {
    const w = pickWorkflow(rng);
    // started early enough to have finished by now
    const latestStart = now - w.durationSeconds[1] * 1000 - 60_000;
    const drawStart = () => latestStart - rng.next() * (7 * DAY_MS - (now - latestStart));
    let createdAt = drawStart();
    // working hours are busier: resample once when the hour is quiet
    const hour = new Date(createdAt).getUTCHours();
    if ((hour < 7 || hour > 19) && rng.chance(0.5)) createdAt = drawStart();
    executionsEvents.push(finishedExecution(rng, w, createdAt, now));
  }
  return { events: executionsEvents.flat(), executionCount: executionsEvents.reduce((n, e) => n + new Set(e.map((x) => x.executionId)).size, 0) };
}
