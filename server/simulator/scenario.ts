// The simulator's traffic, as a pure function of a seed and a clock: executions start at a
// given rate and each is planned whole when it starts (its events, their delivery times and
// the channel each goes through), including the hard cases on purpose: late, duplicated and
// out-of-order deliveries, and workers that vanish. No I/O and no Date.now: the sender loop
// passes the clock in, tests pass a fake one.
import type { Status } from "../executions/status";
import { createRng, type Rng } from "../gen/random";

// ── random numbers ───────────────────────────────────────────────────────────────────────

/** inclusive of max, as traffic sizes read ("1 to 6 items") */
const intBetween = (rng: Rng, min: number, max: number) => rng.int(min, max + 1);

// ── configuration ────────────────────────────────────────────────────────────────────────

export type ScenarioRates = {
  /** share of executions that end FAILED, CANCELLED, TIMED_OUT, or whose worker vanishes */
  failed: number;
  cancelled: number;
  timedOut: number;
  vanishAfterScheduled: number;
  vanishWhileRunning: number;
  /** share of top-level executions that continue as new (chains of up to MAX_CHAIN runs) */
  continuedAsNew: number;
  /** share of executions whose first attempt loses its worker and is retried */
  retried: number;
  /** share of runs that pause in WAITING */
  waiting: number;
  /** share of top-level executions that start child executions */
  withChildren: number;
  /** per event after the first: delivered seconds after events that happened later */
  late: number;
  /** per event: sent a second time with the same eventId */
  duplicate: number;
  /** per execution that reaches a terminal status from RUNNING: a RUNNING event arrives after it */
  outOfOrder: number;
  /** per event that is not the first: sent alone rather than in a batch */
  single: number;
  /** per terminal event: sent through PUT /executions/{id}/status */
  put: number;
};

export const DEFAULT_RATES: ScenarioRates = {
  failed: 0.1,
  cancelled: 0.04,
  timedOut: 0.03,
  vanishAfterScheduled: 0.02,
  vanishWhileRunning: 0.02,
  continuedAsNew: 0.05,
  retried: 0.06,
  waiting: 0.1,
  withChildren: 0.12,
  late: 0.03,
  duplicate: 0.03,
  outOfOrder: 0.04,
  single: 0.2,
  put: 0.25,
};

export type ScenarioOptions = {
  seed: number;
  /** executions started per second (top-level ones; children and successors come on top) */
  rate: number;
  /** the clock reading (ms) at which traffic starts */
  startAt: number;
  /** no execution starts at or after this reading (ms); events of started ones still come */
  stopStartingAt?: number;
  rates?: Partial<ScenarioRates>;
  /** seconds between heartbeats of a running execution */
  heartbeatEverySeconds?: number;
  /** prefix of executionIds and eventIds; defaults to one derived from the seed */
  idPrefix?: string;
};

const MAX_CHAIN = 3;
const MAX_ATTEMPTS = 3;
/** a PUT needs the execution to exist: only after its first event has surely arrived */
const PUT_MIN_AGE_MS = 3000;

// ── what the generator produces ─────────────────────────────────────────────────────────

export type SimError = { message: string; code: string; stack: string };

/** An event as POST /api/v1/events takes it. */
export type SimEvent = {
  eventId: string;
  executionId: string;
  workflow?: string;
  type?: "heartbeat";
  status?: Status;
  occurredAt: string;
  attempt: number;
  error?: SimError;
  input?: unknown;
  output?: unknown;
  continuedAsNewTo?: string;
  parentExecutionId?: string;
  metadata?: Record<string, string>;
};

export type Channel = "batch" | "single" | "put";
export type HardCase = "late" | "duplicate" | "outOfOrder";

export type PlannedSend = {
  /** clock reading (ms) at which to send it */
  at: number;
  /** tie-break for equal `at`: the order in which sends were planned */
  seq: number;
  channel: Channel;
  event: SimEvent;
  hardCase?: HardCase;
};

export type Fate = "COMPLETED" | "FAILED" | "CANCELLED" | "TIMED_OUT" | "CONTINUED_AS_NEW" | "VANISHED_SCHEDULED" | "VANISHED_RUNNING";

export type PlannedExecution = {
  executionId: string;
  workflow: string;
  fate: Fate;
  role: "root" | "child" | "successor";
  attempts: number;
  waited: boolean;
  /** whether a RUNNING event was planned to arrive after its terminal event */
  outOfOrder: boolean;
};

// ── workflows ────────────────────────────────────────────────────────────────────────────

type WorkflowSpec = {
  key: string;
  /** seconds of RUNNING */
  runSeconds: [number, number];
  input: (rng: Rng, n: number) => unknown;
  output: (rng: Rng) => unknown;
  errors: SimError[];
  children?: string[];
};

const stack = (error: string, frames: string[]) => [error, ...frames.map((f) => `    at ${f}`)].join("\n");

const WORKFLOWS: Record<string, WorkflowSpec> = {
  "order-fulfillment": {
    key: "order-fulfillment",
    runSeconds: [4, 30],
    input: (rng, n) => ({ orderId: `ord_${100000 + n}`, items: intBetween(rng, 1, 6), totalCents: intBetween(rng, 500, 250000), currency: "EUR" }),
    output: (rng) => ({ shipmentId: `shp_${intBetween(rng, 10000, 99999)}`, carrier: rng.pick(["DHL", "UPS", "PostNL"]) }),
    errors: [
      {
        message: "Inventory reservation failed: SKU-4471 out of stock in warehouse AMS-2",
        code: "OUT_OF_STOCK",
        stack: stack("InventoryError: SKU-4471 out of stock", ["reserveStock (/app/src/activities/inventory.ts:88:11)", "fulfilOrder (/app/src/workflows/order.ts:41:5)"]),
      },
      {
        message: "Carrier API returned 503 Service Unavailable after 5 attempts",
        code: "CARRIER_UNAVAILABLE",
        stack: stack("HttpError: 503 Service Unavailable", ["bookShipment (/app/src/activities/shipping.ts:132:13)", "fulfilOrder (/app/src/workflows/order.ts:57:9)"]),
      },
    ],
    children: ["payment-capture", "send-email"],
  },
  "payment-capture": {
    key: "payment-capture",
    runSeconds: [1, 8],
    input: (rng, n) => ({ paymentIntent: `pi_${n.toString(36)}${intBetween(rng, 100, 999)}`, amountCents: intBetween(rng, 500, 250000) }),
    output: (rng) => ({ chargeId: `ch_${intBetween(rng, 100000, 999999)}`, captured: true }),
    errors: [
      {
        message: "Card declined: insufficient_funds",
        code: "CARD_DECLINED",
        stack: stack("PaymentError: card_declined (insufficient_funds)", ["capture (/app/src/activities/payment.ts:61:15)", "processTicksAndRejections (node:internal/process/task_queues:95:5)"]),
      },
    ],
  },
  "send-email": {
    key: "send-email",
    runSeconds: [1, 4],
    input: (rng, n) => ({ template: rng.pick(["order-confirmation", "shipping-update", "welcome"]), to: `customer${n}@example.com` }),
    output: (rng) => ({ messageId: `<${intBetween(rng, 1e6, 9e6)}@mail.example.com>` }),
    errors: [
      {
        message: "SMTP 421 4.7.0 Try again later, closing connection",
        code: "SMTP_TEMPORARY",
        stack: stack("SMTPError: 421 4.7.0 Try again later", ["SMTPConnection._actionMAIL (/app/node_modules/nodemailer/lib/smtp-connection/index.js:1120:27)"]),
      },
    ],
  },
  "invoice-generation": {
    key: "invoice-generation",
    runSeconds: [3, 20],
    input: (rng, n) => ({ customerId: `cus_${n}`, period: "2026-01", lines: intBetween(rng, 1, 40) }),
    output: (rng) => ({ invoiceId: `inv_${intBetween(rng, 1000, 9999)}`, pdfBytes: intBetween(rng, 20_000, 400_000) }),
    errors: [
      {
        message: 'relation "tax_rates" does not exist',
        code: "42P01",
        stack: stack('error: relation "tax_rates" does not exist', ["Parser.parseErrorMessage (/app/node_modules/pg-protocol/dist/parser.js:283:98)", "computeTax (/app/src/activities/tax.ts:19:7)"]),
      },
    ],
    children: ["send-email"],
  },
  "user-onboarding": {
    key: "user-onboarding",
    runSeconds: [5, 40],
    input: (rng, n) => ({ userId: `usr_${n}`, plan: rng.pick(["free", "team", "enterprise"]) }),
    output: () => ({ workspaceCreated: true, invitesSent: 3 }),
    errors: [
      {
        message: "Timed out waiting for identity provider (SCIM) after 30000 ms",
        code: "IDP_TIMEOUT",
        stack: stack("TimeoutError: SCIM provisioning timed out", ["provisionUser (/app/src/activities/scim.ts:77:9)"]),
      },
    ],
    children: ["send-email"],
  },
  "data-sync": {
    key: "data-sync",
    runSeconds: [8, 60],
    input: (rng) => ({ source: rng.pick(["salesforce", "hubspot", "postgres-replica"]), since: "2026-01-01T00:00:00Z", batchSize: 500 }),
    output: (rng) => ({ rowsRead: intBetween(rng, 0, 200_000), rowsWritten: intBetween(rng, 0, 200_000) }),
    errors: [
      {
        message: "Rate limited by upstream (429), Retry-After 60",
        code: "UPSTREAM_RATE_LIMIT",
        stack: stack("HttpError: 429 Too Many Requests", ["fetchPage (/app/src/connectors/salesforce.ts:203:17)", "syncAll (/app/src/workflows/sync.ts:30:12)"]),
      },
    ],
  },
  "report-export": {
    key: "report-export",
    runSeconds: [2, 15],
    input: (rng) => ({ report: rng.pick(["monthly-revenue", "churn", "usage"]), format: rng.pick(["csv", "xlsx"]) }),
    output: (rng) => ({ url: `s3://exports/report-${intBetween(rng, 1000, 9999)}.csv` }),
    errors: [
      {
        message: "JavaScript heap out of memory",
        code: "ERR_WORKER_OUT_OF_MEMORY",
        stack: stack("Error: JavaScript heap out of memory", ["renderXlsx (/app/src/activities/export.ts:140:3)"]),
      },
    ],
  },
};

/** Workflows that executions start in, with their weights (children only start under parents). */
const ROOT_WORKFLOWS: [string, number][] = [
  ["order-fulfillment", 5],
  ["invoice-generation", 2],
  ["user-onboarding", 2],
  ["data-sync", 1],
  ["report-export", 2],
];


const REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "ap-southeast-2"];
const TENANTS = ["acme", "globex", "initech", "umbrella", "hooli", "stark"];

function pickWeighted(rng: Rng, items: [string, number][]): string {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rng.next() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}

// ── planning one execution ──────────────────────────────────────────────────────────────

type RawEvent = Omit<SimEvent, "eventId" | "occurredAt"> & { at: number };

type Context = {
  rng: Rng;
  rates: ScenarioRates;
  heartbeatMs: number;
  prefix: string;
  nextId: () => number;
  push: (send: Omit<PlannedSend, "seq">) => void;
  executions: PlannedExecution[];
};

type ExecutionSpec = {
  workflow: string;
  startAt: number;
  role: PlannedExecution["role"];
  parentExecutionId?: string;
  chainIndex: number;
  metadata: Record<string, string>;
  /** a successor is created by its predecessor's CONTINUED_AS_NEW link */
  executionId?: string;
};

function chooseFate(rng: Rng, rates: ScenarioRates, canContinue: boolean): Fate {
  const r = rng.next();
  let edge = 0;
  const options: [Fate, number][] = [
    ["FAILED", rates.failed],
    ["CANCELLED", rates.cancelled],
    ["TIMED_OUT", rates.timedOut],
    ["VANISHED_SCHEDULED", rates.vanishAfterScheduled],
    ["VANISHED_RUNNING", rates.vanishWhileRunning],
    ["CONTINUED_AS_NEW", canContinue ? rates.continuedAsNew : 0],
  ];
  for (const [fate, p] of options) {
    edge += p;
    if (r < edge) return fate;
  }
  return "COMPLETED";
}

function planExecution(ctx: Context, spec: ExecutionSpec): void {
  const { rng, rates } = ctx;
  const wf = WORKFLOWS[spec.workflow]!;
  const n = ctx.nextId();
  const executionId = spec.executionId ?? `${ctx.prefix}-${spec.workflow}-${n.toString(36)}`;
  const fate = chooseFate(rng, rates, spec.role !== "child" && spec.chainIndex < MAX_CHAIN - 1);
  const record: PlannedExecution = { executionId, workflow: wf.key, fate, role: spec.role, attempts: 1, waited: false, outOfOrder: false };
  ctx.executions.push(record);

  const events: RawEvent[] = [];
  const base = { executionId };
  // real engines name the workflow on every status event, so any of them can create the execution
  const status = (s: Status, at: number, attempt: number, extra: Partial<RawEvent> = {}) =>
    events.push({ ...base, workflow: wf.key, status: s, attempt, at, ...extra });
  const heartbeats = (from: number, to: number, attempt: number) => {
    for (let t = from + ctx.heartbeatMs * rng.uniform(0.8, 1.2); t < to; t += ctx.heartbeatMs * rng.uniform(0.8, 1.2)) {
      events.push({ ...base, type: "heartbeat", attempt, at: t });
    }
  };

  let t = spec.startAt;
  let attempt = 1;
  const first: Partial<RawEvent> = { input: wf.input(rng, n), metadata: spec.metadata };
  if (spec.parentExecutionId) first.parentExecutionId = spec.parentExecutionId;
  status("PENDING", t, attempt, first);

  // a retried execution loses its first worker after SCHEDULED or mid-RUNNING, then starts over
  if (fate !== "VANISHED_SCHEDULED" && fate !== "VANISHED_RUNNING" && rng.chance(rates.retried)) {
    const retries = rng.chance(0.2) ? 2 : 1;
    for (let i = 0; i < retries && attempt < MAX_ATTEMPTS; i++) {
      t += rng.uniform(100, 1500);
      status("SCHEDULED", t, attempt);
      if (rng.chance(0.6)) {
        t += rng.uniform(100, 1000);
        status("RUNNING", t, attempt);
        const lostAt = t + rng.uniform(1000, 8000);
        heartbeats(t, lostAt, attempt);
        t = lostAt;
      }
      // the engine notices the lost worker after a timeout and re-queues with the next attempt
      t += rng.uniform(2000, 6000);
      attempt += 1;
      status("PENDING", t, attempt);
    }
    record.attempts = attempt;
  }

  t += rng.uniform(100, 2000);
  status("SCHEDULED", t, attempt);
  if (fate === "CANCELLED" && rng.chance(0.2)) {
    t += rng.uniform(500, 3000);
    status("CANCELLED", t, attempt, { error: { message: "Cancelled by operator before start", code: "CANCELLED_BY_USER", stack: "" } });
    return finish();
  }
  if (fate === "VANISHED_SCHEDULED") return finish();

  t += rng.uniform(100, 1500);
  status("RUNNING", t, attempt);
  const runningFrom = t;
  const runMs = rng.uniform(wf.runSeconds[0], wf.runSeconds[1]) * 1000;
  let end = t + runMs;

  if (fate === "VANISHED_RUNNING") {
    const lostAt = t + rng.uniform(1000, Math.max(1500, runMs));
    heartbeats(t, lostAt, attempt);
    planChildren(ctx, spec, wf, executionId, t, end);
    return finish(runningFrom);
  }

  // a pause on purpose: a timer, a signal or an approval; no heartbeats while waiting
  if (rng.chance(rates.waiting)) {
    record.waited = true;
    const pauseAt = t + runMs * rng.uniform(0.2, 0.6);
    heartbeats(t, pauseAt, attempt);
    status("WAITING", pauseAt, attempt);
    const resumeAt = pauseAt + rng.uniform(2000, 15000);
    if (fate === "CANCELLED") {
      status("CANCELLED", resumeAt, attempt, { error: { message: "Approval rejected; execution cancelled", code: "APPROVAL_REJECTED", stack: "" } });
      return finish(runningFrom);
    }
    status("RUNNING", resumeAt, attempt);
    t = resumeAt;
    end = resumeAt + runMs * rng.uniform(0.3, 0.8);
  }
  heartbeats(t, end, attempt);
  planChildren(ctx, spec, wf, executionId, runningFrom, end);

  switch (fate) {
    case "COMPLETED":
      status("COMPLETED", end, attempt, { output: wf.output(rng) });
      break;
    case "FAILED":
      status("FAILED", end, attempt, { error: rng.pick(wf.errors) });
      break;
    case "CANCELLED":
      status("CANCELLED", end, attempt, { error: { message: "Cancelled by system: superseded by a newer request", code: "SUPERSEDED", stack: "" } });
      break;
    case "TIMED_OUT":
      status("TIMED_OUT", end, attempt, {
        error: { message: `Execution exceeded its ${Math.round(runMs / 1000)} s start-to-close timeout`, code: "START_TO_CLOSE_TIMEOUT", stack: "" },
      });
      break;
    case "CONTINUED_AS_NEW": {
      const successor = `${executionId}-cont${spec.chainIndex + 1}`;
      status("CONTINUED_AS_NEW", end, attempt, { continuedAsNewTo: successor, output: { checkpoint: intBetween(rng, 1, 1e6) } });
      planExecution(ctx, {
        workflow: spec.workflow,
        startAt: end + rng.uniform(50, 500),
        role: "successor",
        chainIndex: spec.chainIndex + 1,
        metadata: spec.metadata,
        executionId: successor,
      });
      break;
    }
  }
  return finish(runningFrom);

  function finish(runningFrom?: number) {
    deliver(ctx, record, events, runningFrom);
  }
}

function planChildren(ctx: Context, spec: ExecutionSpec, wf: WorkflowSpec, parentId: string, from: number, to: number) {
  if (spec.role === "child" || !wf.children || !ctx.rng.chance(ctx.rates.withChildren)) return;
  const count = intBetween(ctx.rng, 1, 3);
  for (let i = 0; i < count; i++) {
    planExecution(ctx, {
      workflow: ctx.rng.pick(wf.children),
      startAt: from + (to - from) * ctx.rng.uniform(0.05, 0.5),
      role: "child",
      parentExecutionId: parentId,
      chainIndex: 0,
      metadata: spec.metadata,
    });
  }
}

const TERMINAL = new Set<Status>(["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT", "CONTINUED_AS_NEW"]);

/** Turns an execution's events into sends: ids, delivery delays, channels and the hard cases. */
function deliver(ctx: Context, record: PlannedExecution, events: RawEvent[], runningFrom: number | undefined) {
  const { rng, rates } = ctx;
  events.sort((a, b) => a.at - b.at);
  let seq = 0;
  const firstAt = events[0]!.at;
  const toEvent = ({ at, ...rest }: RawEvent): SimEvent => ({ eventId: `${record.executionId}:${++seq}`, occurredAt: new Date(at).toISOString(), ...rest });

  events.forEach((raw, i) => {
    const event = toEvent(raw);
    let at = raw.at + rng.uniform(20, 300);
    let hardCase: HardCase | undefined;
    if (i > 0 && rng.chance(rates.late)) {
      at += rng.uniform(2000, 8000);
      hardCase = "late";
    }
    const terminal = raw.status !== undefined && TERMINAL.has(raw.status);
    let channel: Channel = "batch";
    if (i > 0 && terminal && raw.status !== "CONTINUED_AS_NEW" && at - firstAt >= PUT_MIN_AGE_MS && rng.chance(rates.put)) channel = "put";
    else if (rng.chance(rates.single)) channel = "single";
    ctx.push({ at, channel, event, ...(hardCase ? { hardCase } : {}) });

    if (rng.chance(rates.duplicate)) {
      // at-least-once delivery: the same event again, through the events endpoint
      ctx.push({ at: at + rng.uniform(200, 5000), channel: rng.chance(0.5) ? "single" : "batch", event, hardCase: "duplicate" });
    }
    if (terminal && runningFrom !== undefined && raw.status !== "CONTINUED_AS_NEW" && record.fate !== "CANCELLED") {
      if (rng.chance(rates.outOfOrder)) {
        // a slow worker's RUNNING report that happened before the end but arrives after it
        record.outOfOrder = true;
        const stale = toEvent({ executionId: record.executionId, workflow: record.workflow, status: "RUNNING", attempt: raw.attempt, at: raw.at - rng.uniform(10, 1000) });
        ctx.push({ at: at + rng.uniform(200, 3000), channel: rng.chance(0.5) ? "single" : "batch", event: stale, hardCase: "outOfOrder" });
      }
    }
  });
}

// ── the generator ───────────────────────────────────────────────────────────────────────

/**
 * Starts executions at `rate` per second from `startAt` and hands out the sends that are due.
 * What it produces depends only on the seed and the options, not on how often advance() is
 * called: executions are planned in start order from one random stream.
 */
export class ScenarioGenerator {
  private readonly rng: Rng;
  private readonly rates: ScenarioRates;
  private readonly heap: PlannedSend[] = [];
  private seq = 0;
  private counter = 0;
  private nextStartAt: number;
  readonly executions: PlannedExecution[] = [];
  readonly prefix: string;

  constructor(private readonly options: ScenarioOptions) {
    if (!(options.rate > 0)) throw new Error("rate must be a positive number of executions per second");
    this.rng = createRng(options.seed);
    this.rates = { ...DEFAULT_RATES, ...options.rates };
    this.prefix = options.idPrefix ?? `sim${(options.seed >>> 0).toString(36)}`;
    this.nextStartAt = options.startAt;
  }

  /** Plans the executions that start by `now` and returns the sends due by `now`, in order. */
  advance(now: number): PlannedSend[] {
    const stop = this.options.stopStartingAt ?? Infinity;
    while (this.nextStartAt <= now && this.nextStartAt < stop) {
      this.startOne(this.nextStartAt);
      // Poisson arrivals: exponential gaps with the configured mean
      this.nextStartAt += (-Math.log(1 - this.rng.next()) * 1000) / this.options.rate;
    }
    const due: PlannedSend[] = [];
    while (this.heap.length && this.heap[0]!.at <= now) due.push(this.pop());
    return due;
  }

  /** Sends planned but not yet due. */
  get pending(): number {
    return this.heap.length;
  }

  private startOne(at: number) {
    const rng = this.rng;
    const ctx: Context = {
      rng,
      rates: this.rates,
      heartbeatMs: (this.options.heartbeatEverySeconds ?? 4) * 1000,
      prefix: this.prefix,
      nextId: () => this.counter++,
      push: (send) => this.push({ ...send, seq: this.seq++ }),
      executions: this.executions,
    };
    planExecution(ctx, {
      workflow: pickWeighted(rng, ROOT_WORKFLOWS),
      startAt: at,
      role: "root",
      chainIndex: 0,
      metadata: { region: rng.pick(REGIONS), tenant: rng.pick(TENANTS), trigger: rng.pick(["api", "schedule", "webhook"]), version: rng.pick(["v41", "v42"]) },
    });
  }

  private less(a: PlannedSend, b: PlannedSend) {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(item: PlannedSend) {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): PlannedSend {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** Every send of `durationMs` of traffic, drained to the end (tests and dry runs). */
export function generateAll(options: Omit<ScenarioOptions, "stopStartingAt"> & { durationMs: number }): { sends: PlannedSend[]; executions: PlannedExecution[] } {
  const gen = new ScenarioGenerator({ ...options, stopStartingAt: options.startAt + options.durationMs });
  const sends = gen.advance(Number.MAX_SAFE_INTEGER);
  return { sends, executions: gen.executions };
}
