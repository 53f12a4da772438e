// One synthetic execution: the events an engine would have sent over its life, replayed in
// arrival order through the same pure lifecycle rules the ingestion service uses, so every
// generated row, timeline entry and outcome is one that ingestion could have produced.
// Events that would arrive after `now` are not sent yet, which is what leaves recent runs active.
import { applyEvent, initialState, type ExecutionState, type LifecycleEvent } from "../executions/lifecycle";
import type { Status } from "../executions/status";
import type { Rng } from "./random";
import type { PlannedWorkflow } from "./plan";

export type Fate = "COMPLETED" | "FAILED" | "TIMED_OUT" | "CANCELLED" | "CONTINUED_AS_NEW" | "WAITING" | "PENDING" | "STUCK_SCHEDULED" | "STUCK_RUNNING";

export type EventOutcomeName = "APPLIED" | "DUPLICATE" | "STALE" | "REJECTED";

export type GeneratedEvent = {
  eventId: string;
  type: "STATUS" | "HEARTBEAT";
  status: Status | null;
  attempt: number;
  occurredAt: Date;
  receivedAt: Date;
  outcome: EventOutcomeName;
  reason: string | null;
  statusBefore: Status | null;
  statusAfter: Status;
  payload: Record<string, unknown> | null;
  /** false for a resend of an eventId already received: it claims no processed_events row */
  claims: boolean;
};

export type GeneratedExecution = {
  executionId: string;
  state: ExecutionState;
  input: unknown;
  metadata: Record<string, string> | null;
  continuedFromId: string | null;
  parentExecutionId: string | null;
  /** server time of the last write to the row */
  updatedAt: Date;
  events: GeneratedEvent[];
  /** set when the run ended CONTINUED_AS_NEW: when its successor was created */
  successorCreatedAt: Date | null;
};

export type ExecutionSpec = {
  executionId: string;
  workflow: PlannedWorkflow;
  createdAt: Date;
  now: Date;
  /** the execution this one continues (its row is created by the predecessor's CONTINUED_AS_NEW) */
  continuedFrom: { executionId: string; receivedAt: Date } | null;
  /** whether a successor slot follows, so this run may end CONTINUED_AS_NEW */
  successorId: string | null;
  parentExecutionId: string | null;
};

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Shares of fates among runs older than two hours; the rest follow from timing. */
export const FATE_SHARES = {
  STUCK_SCHEDULED: 0.003,
  STUCK_RUNNING: 0.007,
  WAITING: 0.02,
  PENDING: 0.005,
  // of the terminal remainder:
  CANCELLED: 0.03,
  TIMED_OUT: 0.015,
  FAILED: 0.06,
  CONTINUED_AS_NEW: 0.03,
} as const;

const REGIONS = ["eu-west-1", "us-east-1", "us-west-2", "ap-southeast-1"];
const ERRORS = [
  { message: "upstream returned 503 Service Unavailable", code: "UPSTREAM_UNAVAILABLE" },
  { message: "card declined", code: "CARD_DECLINED" },
  { message: "validation failed: missing field customerId", code: "VALIDATION" },
  { message: "connection reset by peer", code: "ECONNRESET" },
  { message: "out of memory", code: "OOM" },
];

function drawFate(rng: Rng, spec: ExecutionSpec, bias: number): Fate {
  const old = spec.now.getTime() - spec.createdAt.getTime() > 2 * HOUR;
  let x = rng.next();
  if (old) {
    if ((x -= FATE_SHARES.STUCK_SCHEDULED) < 0) return "STUCK_SCHEDULED";
    if ((x -= FATE_SHARES.STUCK_RUNNING) < 0) return "STUCK_RUNNING";
    if ((x -= FATE_SHARES.WAITING) < 0) return "WAITING";
    if ((x -= FATE_SHARES.PENDING) < 0) return "PENDING";
  }
  x = rng.next();
  if ((x -= FATE_SHARES.CANCELLED) < 0) return "CANCELLED";
  if ((x -= FATE_SHARES.TIMED_OUT) < 0) return "TIMED_OUT";
  if ((x -= FATE_SHARES.FAILED * bias) < 0) return "FAILED";
  if (spec.successorId && (x -= FATE_SHARES.CONTINUED_AS_NEW) < 0) return "CONTINUED_AS_NEW";
  return "COMPLETED";
}

type Planned = {
  eventId: string;
  event: LifecycleEvent;
  receivedAt: Date;
  payload: Record<string, unknown> | null;
  /** a resend of an earlier eventId */
  resendOf?: string;
};

const at = (ms: number) => new Date(Math.round(ms));

export function generateExecution(rng: Rng, spec: ExecutionSpec): GeneratedExecution {
  const wf = spec.workflow;
  const nowMs = spec.now.getTime();
  const t0 = spec.createdAt.getTime();
  const fate = drawFate(rng, spec, wf.failureBias);
  let seq = 0;
  const nextId = () => `${spec.executionId}.${++seq}`;
  const latency = () => rng.logNormal(40, 0.8);
  const plan: Planned[] = [];
  const send = (event: LifecycleEvent, payload: Record<string, unknown> | null = null, lateByMs = 0) => {
    plan.push({ eventId: nextId(), event, receivedAt: at(event.occurredAt.getTime() + latency() + lateByMs), payload });
  };
  const status = (s: Status, ms: number, attempt = 1, extra: Partial<Extract<LifecycleEvent, { type: "status" }>> = {}) =>
    ({ type: "status", status: s, attempt, occurredAt: at(ms), ...extra }) as LifecycleEvent;

  const metadata = rng.chance(0.25) ? { region: rng.pick(REGIONS), tenant: `t-${rng.int(1, 5000)}` } : null;
  const input = rng.chance(0.15) ? { orderId: `o-${rng.int(1, 1e9)}`, amount: rng.int(1, 100000) } : null;
  const parentExecutionId = spec.parentExecutionId;

  // Stage times of the intended life.
  const scheduledMs = t0 + rng.logNormal(300, 1.0);
  const startedMs = scheduledMs + rng.logNormal(150, 0.8);
  let runMs = rng.logNormal(wf.medianMs, wf.sigma);
  let terminal: Status | null = null;
  let skipRunning = false;
  switch (fate) {
    case "COMPLETED":
    case "FAILED":
      terminal = fate;
      if (fate === "FAILED") runMs *= rng.next();
      break;
    case "CONTINUED_AS_NEW":
      // the successor must exist and have reported by now, so only runs that ended a while ago
      terminal = startedMs + runMs < nowMs - 10 * MINUTE ? "CONTINUED_AS_NEW" : "COMPLETED";
      break;
    case "TIMED_OUT":
      terminal = "TIMED_OUT";
      runMs = wf.medianMs * 20 + rng.logNormal(wf.medianMs, 0.5);
      break;
    case "CANCELLED":
      terminal = "CANCELLED";
      skipRunning = rng.chance(0.4);
      runMs = skipRunning ? rng.logNormal(10 * SECOND, 1) : runMs * rng.next();
      break;
    default:
      break;
  }
  const endMs = skipRunning ? scheduledMs + runMs : startedMs + runMs;

  // The first event names the workflow; 40 % of engines report SCHEDULED first, and a
  // successor's row already exists (its predecessor created it PENDING), so it starts there.
  const firstPayload: Record<string, unknown> = { workflow: wf.key };
  if (metadata) firstPayload.metadata = metadata;
  if (parentExecutionId) firstPayload.parentExecutionId = parentExecutionId;
  if (input) firstPayload.hasInput = true;
  const reportsPending = !spec.continuedFrom && rng.chance(0.6);
  if (reportsPending) send(status("PENDING", t0), firstPayload);
  const firstStatusPayload = reportsPending ? null : firstPayload;
  if (fate === "PENDING") {
    if (!reportsPending) send(status("PENDING", t0), firstPayload);
  } else {
    send(status("SCHEDULED", scheduledMs), spec.continuedFrom ? null : firstStatusPayload);
  }

  let attempt = 1;
  if (fate === "STUCK_RUNNING" || fate === "WAITING") {
    send(status("RUNNING", startedMs));
    if (fate === "WAITING") send(status("WAITING", startedMs + rng.logNormal(5 * SECOND, 1)));
    else if (rng.chance(0.5)) send({ type: "heartbeat", attempt, occurredAt: at(startedMs + rng.next() * 10 * MINUTE) });
  } else if (terminal) {
    if (!skipRunning) {
      send(status("RUNNING", startedMs));
      // a lost worker and a retry on another one
      if (rng.chance(0.03) && terminal !== "CANCELLED") {
        const lostMs = startedMs + runMs * 0.3;
        attempt = 2;
        send(status("SCHEDULED", lostMs + 30 * SECOND, attempt));
        send(status("RUNNING", lostMs + 31 * SECOND, attempt));
      }
      // heartbeats: the last one before the end, and one just before now for runs still going
      if (runMs > 2 * MINUTE) send({ type: "heartbeat", attempt, occurredAt: at(endMs - rng.next() * MINUTE) });
      if (endMs > nowMs && nowMs - startedMs > 2 * MINUTE) send({ type: "heartbeat", attempt, occurredAt: at(nowMs - 5 * SECOND - rng.next() * 55 * SECOND) });
    }
    const extra: Partial<Extract<LifecycleEvent, { type: "status" }>> = {};
    const payload: Record<string, unknown> = {};
    if (terminal === "FAILED" || terminal === "TIMED_OUT") {
      extra.error = terminal === "TIMED_OUT" ? { message: `exceeded its time limit of ${Math.round((wf.medianMs * 20) / 1000)} s`, code: "TIMEOUT" } : rng.pick(ERRORS);
      payload.error = extra.error;
    }
    if (terminal === "COMPLETED" && rng.chance(0.15)) {
      extra.output = { ok: true, items: rng.int(0, 500) };
      payload.hasOutput = true;
    }
    if (terminal === "CONTINUED_AS_NEW") {
      extra.continuedAsNewTo = spec.successorId!;
      payload.continuedAsNewTo = spec.successorId;
    }
    send(status(terminal, endMs, attempt, extra), Object.keys(payload).length ? payload : null);
    const terminalEvent = plan[plan.length - 1]!;

    // The hard cases engines produce: resends, repeats, late and contradicting reports.
    const r = rng.next();
    if (r < 0.02) {
      plan.push({ ...terminalEvent, receivedAt: at(terminalEvent.receivedAt.getTime() + rng.logNormal(2 * SECOND, 1)), resendOf: terminalEvent.eventId });
    } else if (r < 0.035) {
      send(status(terminal, endMs + rng.logNormal(SECOND, 1), attempt), null);
    } else if (r < 0.045 && !skipRunning) {
      // a late RUNNING from a slow worker after the end: rejected
      send(status("RUNNING", startedMs + 1, attempt), null, endMs - startedMs + rng.logNormal(5 * SECOND, 1));
    } else if (r < 0.065 && !skipRunning) {
      // a late SCHEDULED arriving after RUNNING: stale
      send(status("SCHEDULED", scheduledMs, attempt), null, startedMs - scheduledMs + rng.logNormal(SECOND, 1));
    }
  }

  // Replay in arrival order; events not yet received by now are not applied.
  plan.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  let state: ExecutionState | null = spec.continuedFrom
    ? initialState({ type: "status", status: "PENDING", attempt: 1, occurredAt: spec.createdAt })
    : null;
  let updatedAt = spec.continuedFrom ? spec.continuedFrom.receivedAt : spec.createdAt;
  const events: GeneratedEvent[] = [];
  for (let i = 0; i < plan.length; i++) {
    const p = plan[i]!;
    // the first event exists whatever the time: the execution is in the window
    if (p.receivedAt.getTime() > nowMs) {
      if (state !== null) continue;
      p.receivedAt = spec.now;
    }
    const before = state?.status ?? null;
    if (p.resendOf) {
      events.push(timeline(p, "DUPLICATE", "eventId was already received", before, state!.status, false));
      continue;
    }
    const d = applyEvent(state, p.event);
    // the merge of facts: a stale or rejected event still counts for the stage times (rule 5)
    if (d.next !== state) {
      state = d.next;
      updatedAt = p.receivedAt;
    }
    events.push(timeline(p, d.outcome.toUpperCase() as EventOutcomeName, d.reason, before, state!.status, true));
  }
  const final = state!;
  return {
    executionId: spec.executionId,
    state: final,
    input,
    metadata,
    continuedFromId: spec.continuedFrom?.executionId ?? null,
    parentExecutionId,
    updatedAt,
    events,
    successorCreatedAt: final.status === "CONTINUED_AS_NEW" ? final.completedAt : null,
  };
}

function timeline(p: Planned, outcome: EventOutcomeName, reason: string | null, before: Status | null, after: Status, claims: boolean): GeneratedEvent {
  const e = p.event;
  return {
    eventId: p.eventId,
    type: e.type === "heartbeat" ? "HEARTBEAT" : "STATUS",
    status: e.type === "status" ? e.status : null,
    attempt: e.attempt,
    occurredAt: e.occurredAt,
    receivedAt: p.receivedAt,
    outcome,
    reason,
    statusBefore: before,
    statusAfter: after,
    payload: p.payload,
    claims,
  };
}
