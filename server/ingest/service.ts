// Applies lifecycle events to executions: the one write path behind POST /api/v1/events,
// PUT …/status, the seed and the simulator.
//
// A batch is applied set-wise in one transaction: the execution rows it touches are locked
// (SELECT … FOR UPDATE, in a fixed order), the pure lifecycle rules decide every event in
// arrival order, and all writes go out in one statement. Two writers racing on one execution
// serialize on its row lock, so only one of them can win a terminal transition and a counter
// moves once. Invalid events are answered `invalid` without touching the database; if the
// batch as a whole fails on something one event carried, each event is retried alone so one
// bad event cannot spoil its neighbours.
import type pg from "pg";
import { config } from "../config";
import type { ServiceContext } from "../context";
import { rollupDeltas, writeRollups } from "../aggregates/rollups";
import { withTransaction } from "../db/transaction";
import { applyEvent, initialState, type CounterDelta, type ExecutionState, type LifecycleEvent } from "../executions/lifecycle";
import { stateOf } from "../executions/row";
import { recheckCandidate, type RecheckCandidate } from "../executions/stuck-recheck";
import type { Status } from "../executions/status";
import { addDuration, emptyTotals, hourlyContribution, hourlyKey, type HourlyContribution } from "../aggregates/hourly";
import { rawEventSchema, validateEvent, type ValidEvent } from "./event-schema";
import {
  addWorkflowCounters,
  deleteEmptyHourly,
  insertWorkflows,
  lockClaimAndRead,
  lockWorkflows,
  releaseDeferredRows,
  upsertHourly,
  workflowIdsOf,
  writeBatch,
  type LockMode,
} from "./queries";

export type IngestOutcome = "applied" | "duplicate" | "stale" | "rejected" | "deferred" | "invalid";

export type IngestResult = {
  eventId: string | null;
  outcome: IngestOutcome;
  /** the execution's status after this event (null when the execution is unknown) */
  status: Status | null;
  reason?: string;
};

/**
 * What ingestion needs of the service context: the organization, and the caller's transaction to
 * join, if any. It writes no audit entry (the events are their own record, on the timeline), so
 * any ServiceContext will do, and so will `{ orgId }`.
 */
export type IngestContext = Pick<ServiceContext, "orgId" | "client">;

export type IngestInput = {
  /** raw events, validated here */
  events: readonly unknown[];
  /** when they arrived (default: now) */
  receivedAt?: Date;
};

/**
 * Validates and applies events; results come back in input order. Always in transactions of its
 * own (ctx.client is not joined): a batch spoiled by one event's data is retried event by event.
 */
export async function ingestEvents(ctx: IngestContext, input: IngestInput): Promise<IngestResult[]> {
  const { orgId } = ctx;
  const rawEvents = input.events;
  const receivedAt = input.receivedAt ?? new Date();
  const results: IngestResult[] = new Array(rawEvents.length);
  const valid: Indexed[] = [];
  rawEvents.forEach((raw, index) => {
    const v = validateEvent(raw);
    if (v.ok) valid.push({ index, event: v.event });
    else results[index] = { eventId: v.eventId, outcome: "invalid", status: null, reason: v.reason };
  });
  if (valid.length === 0) return results;

  try {
    const hint: BatchHint = { exclusive: false };
    const applied = await withTransaction((client) => applyBatch(client, orgId, valid, receivedAt, hint));
    applied.forEach((r, i) => (results[valid[i]!.index] = r));
  } catch (err) {
    if (!isDataError(err)) throw err;
    if (valid.length === 1) {
      results[valid[0]!.index] = { eventId: valid[0]!.event.eventId ?? null, outcome: "invalid", status: null, reason: dataErrorReason(err) };
      return results;
    }
    // Something one event carried broke the set-wise write; find it by applying each alone.
    for (const item of valid) {
      try {
        const hint: BatchHint = { exclusive: false };
        const [r] = await withTransaction((client) => applyBatch(client, orgId, [item], receivedAt, hint));
        results[item.index] = r!;
      } catch (inner) {
        if (!isDataError(inner)) throw inner;
        results[item.index] = { eventId: item.event.eventId ?? null, outcome: "invalid", status: null, reason: dataErrorReason(inner) };
      }
    }
    return results;
  }
  return results;
}

/**
 * Applies one already-validated event alone: the explicit status endpoint, and callers with a
 * transaction of their own in ctx.client (an audited operator action, the monitor's timeout).
 */
export async function ingestOne(ctx: IngestContext, input: { event: ValidEvent; receivedAt?: Date }): Promise<IngestResult> {
  const { orgId, client: inTransaction } = ctx;
  const { event } = input;
  const receivedAt = input.receivedAt ?? new Date();
  const hint: BatchHint = { exclusive: false };
  try {
    if (!inTransaction) return (await withTransaction((client) => applyBatch(client, orgId, [{ index: 0, event }], receivedAt, hint)))[0]!;
    // inside the caller's transaction (an audited operator action, the monitor's timeout): a
    // savepoint keeps a data error from aborting the caller's work, its audit entry included
    await inTransaction.query("SAVEPOINT ingest_one");
    try {
      const [r] = await applyBatch(inTransaction, orgId, [{ index: 0, event }], receivedAt, hint);
      await inTransaction.query("RELEASE SAVEPOINT ingest_one");
      return r!;
    } catch (err) {
      if (isDataError(err)) await inTransaction.query("ROLLBACK TO SAVEPOINT ingest_one");
      throw err;
    }
  } catch (err) {
    if (!isDataError(err)) throw err;
    return { eventId: event.eventId ?? null, outcome: "invalid", status: null, reason: dataErrorReason(err) };
  }
}

// PostgreSQL class 22 (data exception), e.g. a \u0000 in JSON: the client's data, not our fault.
function isDataError(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return typeof code === "string" && code.startsWith("22");
}

// PostgreSQL's own message can quote SQL and internals: the caller gets the SQLSTATE only
function dataErrorReason(err: unknown): string {
  return `could not be stored: a value is out of range or not storable (SQLSTATE ${(err as { code?: string }).code}); check its types and sizes`;
}

type Indexed = { index: number; event: ValidEvent };

type Working = {
  /** null until a new execution is inserted */
  id: string | null;
  workflowId: string;
  state: ExecutionState;
  /** the state as locked (null: new), so the hourly aggregate can move by the difference */
  initial: ExecutionState | null;
  input: unknown;
  metadata: Record<string, string> | null;
  parentExecutionId: string | null;
  continuedFromId: string | null;
  isNew: boolean;
  changed: boolean;
};

type TimelineRow = {
  executionId: string;
  eventId: string;
  type: "STATUS";
  status: Status | null;
  attempt: number;
  occurredAt: Date;
  receivedAt: Date;
  outcome: "APPLIED" | "STALE" | "REJECTED" | "DUPLICATE";
  reason: string | null;
  statusBefore: Status | null;
  statusAfter: Status | null;
  payload: Record<string, unknown> | null;
  repeats: number;
  waitedMs: number | null;
};

/** One compacted heartbeat item per execution and attempt (rule: never one row per heartbeat). */
type HeartbeatRow = { executionId: string; attempt: number; count: number; firstOccurredAt: Date; lastOccurredAt: Date; waitedMs: number | null };

/** An event kept in deferred_events until its execution is created. */
type DeferredWrite = { executionId: string; eventId: string | null; event: ValidEvent; receivedAt: Date; repeats: number };

/** A deferred event read back from deferred_events, applied in this transaction. */
type Released = { event: ValidEvent; receivedAt: Date; repeats: number };

type Counters = CounterDelta & { lastExecutionAt: Date | null };

function toLifecycleEvent(e: ValidEvent, receivedAt: Date): LifecycleEvent {
  const occurredAt = e.occurredAt ?? receivedAt;
  if (e.type === "heartbeat") return { type: "heartbeat", attempt: e.attempt, occurredAt, eventId: e.eventId ?? null };
  return {
    type: "status",
    status: e.status!,
    attempt: e.attempt,
    occurredAt,
    eventId: e.eventId ?? null,
    error: e.error,
    output: e.output,
    continuedAsNewTo: e.continuedAsNewTo,
  };
}

function timelinePayload(e: ValidEvent): Record<string, unknown> | null {
  const payload: Record<string, unknown> = {};
  if (e.error !== undefined) payload.error = e.error;
  if (e.continuedAsNewTo !== undefined) payload.continuedAsNewTo = e.continuedAsNewTo;
  if (e.parentExecutionId !== undefined) payload.parentExecutionId = e.parentExecutionId;
  if (e.metadata !== undefined) payload.metadata = e.metadata;
  if (e.workflow !== undefined) payload.workflow = e.workflow;
  // input and output live on the execution; the timeline only notes that they came
  if (e.input !== undefined) payload.hasInput = true;
  if (e.output !== undefined) payload.hasOutput = true;
  return Object.keys(payload).length ? payload : null;
}

/** Can this event create its execution? Only a status event that names the workflow can. */
const canCreate = (e: ValidEvent) => e.type === "status" && e.workflow !== undefined;

const deferredReason = (e: ValidEvent) =>
  `execution "${e.executionId}" is not known yet; the ${e.type === "heartbeat" ? "heartbeat" : "event"} is kept and applied when an event that names its workflow creates the execution`;

// Deferral and creation of one organization's executions serialize on an advisory lock
// (queries.ts, lockClaimAndRead), taken before the executions are read: a batch that may create
// executions holds it shared (creators never wait for each other), a batch that defers events
// holds it exclusively. So a deferred event is either seen by the batch that creates its
// execution, or finds the execution created. A batch finds out that it defers only after
// reading its executions: it then runs again with the exclusive lock from the start (rare: only
// out-of-order first events).

/** This batch defers events but did not hold the lock exclusively: run it again with it. */
export class DeferralNeedsExclusiveLock extends Error {
  readonly code = "40001"; // retried by withTransaction
}

/** Executions this batch creates have deferred events: run it again, taking them out first. */
export class DeferredEventsToRelease extends Error {
  readonly code = "40001"; // retried by withTransaction
}

/**
 * Carried across the retries of one batch: whether it must start with the exclusive lock, and
 * whether it must take deferred events out before deciding (rather than with its writes).
 */
export type BatchHint = { exclusive: boolean; releaseFirst?: boolean };

async function applyBatch(client: pg.PoolClient, orgId: string, items: Indexed[], receivedAt: Date, hint: BatchHint = { exclusive: false }): Promise<IngestResult[]> {
  const lockMode: LockMode | null = hint.exclusive ? "exclusive" : items.some((it) => canCreate(it.event)) ? "shared" : null;
  // 1. At most once per eventId: the first occurrence in this batch claims it, unless an
  //    earlier request already did. A heartbeat without eventId claims nothing.
  const firstIndexOfEventId = new Map<string, number>();
  items.forEach((it, i) => {
    const id = it.event.eventId;
    if (id !== undefined && !firstIndexOfEventId.has(id)) firstIndexOfEventId.set(id, i);
  });
  const claims = [...firstIndexOfEventId.keys()].sort();
  const claimExecutionIds = claims.map((id) => items[firstIndexOfEventId.get(id)!]!.event.executionId);

  // 2. Lock every execution the batch touches, successors of ContinueAsNew included, and read the
  //    workflows it names (all in the claim's round trip; see readBatch).
  const touched = new Set<string>();
  for (const it of items) {
    touched.add(it.event.executionId);
    if (it.event.continuedAsNewTo) touched.add(it.event.continuedAsNewTo);
  }
  const namedWorkflows = [...new Set(items.flatMap((it) => (it.event.workflow === undefined ? [] : [it.event.workflow])))].sort();
  const working = new Map<string, Working>();
  const { claimed, workflowIds } = await readBatch(client, orgId, {
    lockMode,
    claims,
    claimExecutionIds,
    receivedAt,
    executionIds: [...touched],
    workflowKeys: namedWorkflows,
    into: working,
  });
  const isFresh = (i: number) => {
    const id = items[i]!.event.eventId;
    return id === undefined || (claimed.has(id) && firstIndexOfEventId.get(id) === i);
  };

  // 3. Executions not seen yet: those this batch creates take their deferred events with them;
  //    events for the others are deferred (rule 9). See deferLockCall for why this is race-free.
  //    A ContinueAsNew successor may be created here too, but only if its predecessor's event
  //    applies: it counts as deferring (exclusive), and its deferred events are released.
  const creators = new Set<string>();
  const unknownNamed = new Set<string>();
  const successors = new Set<string>();
  items.forEach((it, i) => {
    const e = it.event;
    // (a repeat of a deferred event counts too: it must see the batch that released it)
    if (!working.has(e.executionId)) (isFresh(i) && canCreate(e) ? creators : unknownNamed).add(e.executionId);
    if (e.continuedAsNewTo && !working.has(e.continuedAsNewTo)) successors.add(e.continuedAsNewTo);
  });
  for (const id of successors) if (!creators.has(id)) unknownNamed.add(id);
  for (const id of creators) unknownNamed.delete(id);
  if (unknownNamed.size && lockMode !== "exclusive") {
    hint.exclusive = true;
    throw new DeferralNeedsExclusiveLock("this batch defers events; it runs again holding the deferral lock exclusively");
  }

  // 4. Workflows that executions first seen here need and that do not exist yet; the deferred
  //    events that the executions created here take with them are released with the writes
  //    (step 6), unless an earlier attempt found some: then they are taken out first.
  const released = new Map<string, Released[]>();
  const missingWorkflows = [
    ...new Set(items.filter((it) => it.event.workflow && !working.has(it.event.executionId) && !workflowIds.has(it.event.workflow)).map((it) => it.event.workflow!)),
  ].sort();
  if (missingWorkflows.length) await createWorkflows(client, orgId, missingWorkflows, workflowIds);
  const mayRelease = [...creators, ...successors].filter((id) => !working.has(id));
  if (hint.releaseFirst && mayRelease.length) await releaseDeferred(client, orgId, mayRelease, released);

  // 5. Decide every event in arrival order with the pure lifecycle rules, in memory.
  const results: IngestResult[] = new Array(items.length);
  const timeline: TimelineRow[] = [];
  const timelineByEventId = new Map<string, TimelineRow>();
  const repeats = new Map<string, { executionId: string; eventId: string; n: number }>();
  const heartbeats = new Map<string, HeartbeatRow>();
  const deferNow: DeferredWrite[] = [];
  const counters = new Map<string, Counters>();
  /** events of an execution this batch creates later on, applied right after its creation */
  const held = new Map<string, number[]>();

  const create = (executionId: string, workflowId: string, state: ExecutionState, e: Partial<ValidEvent>, continuedFromId: string | null) => {
    const w: Working = {
      id: null,
      workflowId,
      state,
      initial: null,
      input: e.input ?? null,
      metadata: e.metadata ?? null,
      parentExecutionId: e.parentExecutionId ?? null,
      continuedFromId,
      isNew: true,
      changed: true,
    };
    working.set(executionId, w);
    return w;
  };

  /** Applies one fresh event to an execution that exists (w) or that it creates (w undefined). */
  const decide = (e: ValidEvent, w: Working | undefined, eventReceivedAt: Date, waitedMs: number | null, repeated: number): IngestResult => {
    const before = w?.state.status ?? null;
    const decision = applyEvent(w?.state ?? null, toLifecycleEvent(e, eventReceivedAt));
    if (!w) {
      w = create(e.executionId, workflowIds.get(e.workflow!)!, decision.next, e, null);
      addCounters(counters, w.workflowId, decision.counters, decision.next.createdAt);
    } else {
      if (decision.next !== w.state) {
        w.state = decision.next;
        w.changed = true;
      }
      if (decision.outcome === "applied" || decision.outcome === "stale") {
        if (w.input === null && e.input !== undefined) {
          w.input = e.input;
          w.changed = true;
        }
        if (e.metadata) {
          w.metadata = { ...(w.metadata ?? {}), ...e.metadata };
          w.changed = true;
        }
        if (w.parentExecutionId === null && e.parentExecutionId) {
          w.parentExecutionId = e.parentExecutionId;
          w.changed = true;
        }
      }
      addCounters(counters, w.workflowId, decision.counters, null);
    }
    if (decision.outcome === "applied") linkSuccessor(e.executionId, w);
    const occurredAt = e.occurredAt ?? eventReceivedAt;
    if (e.type === "heartbeat") {
      const key = `${e.executionId}\u0000${e.attempt}`;
      const h = heartbeats.get(key);
      if (!h) heartbeats.set(key, { executionId: e.executionId, attempt: e.attempt, count: 1, firstOccurredAt: occurredAt, lastOccurredAt: occurredAt, waitedMs });
      else {
        h.count += 1;
        if (occurredAt < h.firstOccurredAt) h.firstOccurredAt = occurredAt;
        if (occurredAt > h.lastOccurredAt) h.lastOccurredAt = occurredAt;
        if (waitedMs !== null) h.waitedMs = Math.max(h.waitedMs ?? 0, waitedMs);
      }
    } else {
      const row: TimelineRow = {
        executionId: e.executionId,
        eventId: e.eventId!,
        type: "STATUS",
        status: e.status ?? null,
        attempt: e.attempt,
        occurredAt,
        receivedAt: eventReceivedAt,
        outcome: decision.outcome.toUpperCase() as TimelineRow["outcome"],
        reason: decision.reason,
        statusBefore: before,
        statusAfter: w.state.status,
        payload: timelinePayload(e),
        repeats: repeated,
        waitedMs,
      };
      timeline.push(row);
      timelineByEventId.set(row.eventId, row);
    }
    // whatever waited for this execution goes right after the event that created it
    if (before === null) drainWaiting(e.executionId);
    return { eventId: e.eventId ?? null, outcome: decision.outcome, status: w.state.status, ...(decision.reason ? { reason: decision.reason } : {}) };
  };

  const drainWaiting = (executionId: string) => {
    const w = working.get(executionId);
    if (!w) return;
    for (const r of released.get(executionId) ?? []) {
      decide(r.event, w, r.receivedAt, Math.max(0, receivedAt.getTime() - r.receivedAt.getTime()), r.repeats);
    }
    released.delete(executionId);
    for (const i of held.get(executionId) ?? []) results[i] = decide(items[i]!.event, w, receivedAt, null, 0);
    held.delete(executionId);
  };

  // ContinueAsNew: point the successor back at this run, creating it (PENDING) when it is new.
  const linkSuccessor = (from: string, w: Working) => {
    const to = w.state.continuedAsNewToId;
    if (w.state.status !== "CONTINUED_AS_NEW" || !to) return;
    const successor = working.get(to);
    if (!successor) {
      const state = initialState({ type: "status", status: "PENDING", attempt: 1, occurredAt: w.state.completedAt! });
      create(to, w.workflowId, state, {}, from);
      addCounters(counters, w.workflowId, { executionCount: 1, successCount: 0, failureCount: 0, cancelledCount: 0 }, state.createdAt);
      drainWaiting(to);
    } else if (successor.continuedFromId === null) {
      successor.continuedFromId = from;
      successor.changed = true;
    }
  };

  items.forEach((it, i) => {
    const e = it.event;
    const w = working.get(e.executionId);
    if (!isFresh(i)) {
      const reason = claimed.has(e.eventId!) ? "eventId repeated within this batch" : "eventId was already received";
      const r = repeats.get(e.eventId!) ?? { executionId: e.executionId, eventId: e.eventId!, n: 0 };
      r.n += 1;
      repeats.set(e.eventId!, r);
      results[i] = { eventId: e.eventId ?? null, outcome: "duplicate", status: w?.state.status ?? null, reason };
      return;
    }
    if (!w && !canCreate(e)) {
      if (creators.has(e.executionId)) held.set(e.executionId, [...(held.get(e.executionId) ?? []), i]);
      else {
        deferNow.push({ executionId: e.executionId, eventId: e.eventId ?? null, event: { ...e, occurredAt: e.occurredAt ?? receivedAt }, receivedAt, repeats: 0 });
        results[i] = { eventId: e.eventId ?? null, outcome: "deferred", status: null, reason: deferredReason(e) };
      }
      return;
    }
    results[i] = decide(e, w, receivedAt, null, 0);
  });
  // held events whose creator ended up creating nothing (a successor that was never linked)
  for (const [executionId, indexes] of held) {
    for (const i of indexes) {
      const e = items[i]!.event;
      const w = working.get(executionId);
      if (w) results[i] = decide(e, w, receivedAt, null, 0);
      else {
        deferNow.push({ executionId, eventId: e.eventId ?? null, event: { ...e, occurredAt: e.occurredAt ?? receivedAt }, receivedAt, repeats: 0 });
        results[i] = { eventId: e.eventId ?? null, outcome: "deferred", status: null, reason: deferredReason(e) };
      }
    }
  }
  // released events whose execution was not created after all (its predecessor's ContinueAsNew
  // did not apply) go back, unchanged
  for (const [executionId, list] of released) {
    for (const r of list) deferNow.push({ executionId, eventId: r.event.eventId ?? null, event: r.event, receivedAt: r.receivedAt, repeats: r.repeats });
  }
  // a repeat counts on its first entry: in this batch's timeline, the stored one, or a deferred one
  const storedRepeats: { executionId: string; eventId: string; n: number }[] = [];
  for (const r of repeats.values()) {
    const row = timelineByEventId.get(r.eventId);
    const deferred = row ? undefined : deferNow.find((d) => d.eventId === r.eventId);
    if (row) row.repeats += r.n;
    else if (deferred) deferred.repeats += r.n;
    else storedRepeats.push(r);
  }

  // 6. Write everything in one statement, new executions included: a racer that created one of
  //    them first makes the whole batch retry (and the retry sees its row). Deferred events of
  //    the executions created here are deleted in it too (the deferral lock is held, and a new
  //    statement sees what deferrers committed before): almost always there are none, and if
  //    there are, the batch runs again taking them out first, so its decisions include them.
  const writes = await writeChanges(
    client,
    orgId,
    working,
    { timeline, heartbeats: [...heartbeats.values()], repeats: storedRepeats, deferNow },
    counters,
    hint.releaseFirst ? [] : mayRelease,
  );
  if (writes.released > 0) {
    hint.releaseFirst = true;
    throw new DeferredEventsToRelease("executions created here have deferred events; the batch runs again applying them");
  }
  return results;
}

type DeferredRow = { executionId: string; receivedAt: Date; event: unknown; repeats: number };

/** Takes the deferred events of executions this batch creates out of deferred_events. */
async function releaseDeferred(client: pg.PoolClient, orgId: string, executionIds: string[], into: Map<string, Released[]>): Promise<void> {
  addReleased(await releaseDeferredRows(client, orgId, executionIds), into);
}

function addReleased(rows: DeferredRow[], into: Map<string, Released[]>): void {
  rows.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  for (const row of rows) {
    const parsed = rawEventSchema.safeParse(row.event);
    if (!parsed.success) continue; // stored after validation; cannot happen unless the schema changed
    const list = into.get(row.executionId) ?? [];
    list.push({ event: parsed.data, receivedAt: row.receivedAt, repeats: row.repeats });
    into.set(row.executionId, list);
  }
}

type BatchRead = {
  lockMode: LockMode | null;
  claims: string[];
  claimExecutionIds: string[];
  receivedAt: Date;
  executionIds: string[];
  workflowKeys: string[];
  into: Map<string, Working>;
};

/**
 * Steps 1 and 2 of applyBatch in one round trip: takes the deferral lock, claims the eventIds,
 * locks the executions (in executionId order) and reads the workflow ids of the keys named.
 *
 * A statement's snapshot is taken before it waits for the lock, so one that waited could miss
 * an execution created meanwhile. A batch holding the lock shared copes: a creation it missed
 * makes its insert conflict (ExecutionCreationRace) or its event look deferred
 * (DeferralNeedsExclusiveLock), and either runs it again. A batch holding it exclusively must
 * read the executions as they are once it holds it (see deferLockCall): it reads them in a
 * second statement.
 */
async function readBatch(client: pg.PoolClient, orgId: string, r: BatchRead): Promise<{ claimed: Set<string>; workflowIds: Map<string, string> }> {
  const claimed = new Set<string>();
  const workflowIds = new Map<string, string>();
  const run = async (parts: { lock: boolean; claims: boolean; read: boolean }) => {
    const read = await lockClaimAndRead(client, {
      orgId,
      lockMode: parts.lock ? r.lockMode : null,
      claims: parts.claims ? { eventIds: r.claims, executionIds: r.claimExecutionIds, receivedAt: r.receivedAt } : null,
      executionIds: parts.read ? r.executionIds : [],
      workflowKeys: parts.read ? r.workflowKeys : [],
      relaxDurability: parts.claims && !durable(),
    });
    for (const full of read.executions) {
      r.into.set(full.executionId, {
        id: full.id,
        workflowId: full.workflowId,
        state: stateOf(full),
        initial: stateOf(full),
        input: full.input,
        metadata: full.metadata,
        parentExecutionId: full.parentExecutionId,
        continuedFromId: full.continuedFromId,
        isNew: false,
        changed: false,
      });
    }
    for (const id of read.claimedEventIds) claimed.add(id);
    for (const [key, id] of Object.entries(read.workflowIds)) workflowIds.set(key, id);
  };
  if (r.lockMode === "exclusive") {
    await run({ lock: true, claims: true, read: false });
    await run({ lock: false, claims: false, read: true });
  } else {
    await run({ lock: true, claims: true, read: true });
  }
  return { claimed, workflowIds };
}

/** Whether ingestion waits for its commits' WAL flush (RUNWATCH_INGEST_SYNCHRONOUS_COMMIT, README). */
const durable = () => config().RUNWATCH_INGEST_SYNCHRONOUS_COMMIT === "on";

/** Creates the workflows that are new (named after their key) and adds their ids to `found`. */
async function createWorkflows(client: pg.PoolClient, orgId: string, keys: string[], found: Map<string, string>): Promise<void> {
  await insertWorkflows(client, orgId, keys);
  // a statement of its own: one created concurrently is visible only to a later snapshot
  for (const r of await workflowIdsOf(client, orgId, keys)) found.set(r.key, r.id);
}

type Draft = {
  executionId: string;
  workflowId: string;
  state: ExecutionState;
  input: unknown;
  metadata: Record<string, string> | null;
  parentExecutionId: string | null;
  continuedFromId?: string | null;
};

function executionRecord(d: Draft) {
  const s = d.state;
  return {
    executionId: d.executionId,
    workflowId: d.workflowId,
    status: s.status,
    attempt: s.attempt,
    statusAttempt: s.statusAttempt,
    statusEventId: s.statusEventId,
    statusChangedAt: s.statusChangedAt,
    createdAt: s.createdAt,
    scheduledAt: s.scheduledAt,
    startedAt: s.startedAt,
    lastHeartbeatAt: s.lastHeartbeatAt,
    lastEventAt: s.lastEventAt,
    completedAt: s.completedAt,
    durationMs: s.durationMs,
    error: s.error ?? undefined,
    errorAt: s.errorAt,
    errorEventId: s.errorEventId,
    output: s.output ?? undefined,
    input: d.input ?? undefined,
    metadata: d.metadata ?? undefined,
    continuedFromId: d.continuedFromId ?? null,
    continuedAsNewToId: s.continuedAsNewToId,
    parentExecutionId: d.parentExecutionId,
  };
}

/** A concurrent writer created an execution this batch also created: retry the batch. */
export class ExecutionCreationRace extends Error {
  readonly code = "40001"; // retried by withTransaction like a serialization failure
}

function addCounters(counters: Map<string, Counters>, workflowId: string, delta: CounterDelta, createdAt: Date | null) {
  const c = counters.get(workflowId) ?? { executionCount: 0, successCount: 0, failureCount: 0, cancelledCount: 0, lastExecutionAt: null };
  c.executionCount += delta.executionCount;
  c.successCount += delta.successCount;
  c.failureCount += delta.failureCount;
  c.cancelledCount += delta.cancelledCount;
  if (createdAt && (!c.lastExecutionAt || createdAt > c.lastExecutionAt)) c.lastExecutionAt = createdAt;
  counters.set(workflowId, c as Counters);
}

type HourlyRow = { workflowId: string; hour: Date; status: Status; count: number; durationSumMs: number; histogram: number[] };
type Hourly = Map<string, HourlyRow>;

/**
 * Moves the hourly aggregate by the difference between an execution's contribution as locked and
 * as written: a late event that moves startedAt (and so durationMs) takes the execution out of
 * its old histogram bucket and puts it in the new one, so the aggregate stays equal to a recount.
 */
function noteHourly(hourly: Hourly, w: Working) {
  const before = hourlyContribution(w.initial);
  const after = hourlyContribution(w.state);
  if (before && after && before.hour.getTime() === after.hour.getTime() && before.status === after.status && before.durationMs === after.durationMs) return;
  const add = (c: HourlyContribution, sign: 1 | -1) => {
    const key = hourlyKey(w.workflowId, c);
    const h = hourly.get(key) ?? { workflowId: w.workflowId, hour: c.hour, status: c.status, ...emptyTotals() };
    addDuration(h, c.durationMs, sign);
    hourly.set(key, h);
  };
  if (before) add(before, -1);
  if (after) add(after, 1);
}

type TimelineWrites = {
  timeline: TimelineRow[];
  heartbeats: HeartbeatRow[];
  repeats: { executionId: string; eventId: string; n: number }[];
  deferNow: DeferredWrite[];
};

/**
 * Writes a decided batch. Returns how many deferred events of `releaseIds` it deleted (they
 * were not decided: the caller runs the batch again); throws ExecutionCreationRace when a
 * concurrent writer created one of the executions first.
 */
async function writeChanges(
  client: pg.PoolClient,
  orgId: string,
  working: Map<string, Working>,
  t: TimelineWrites,
  counters: Map<string, Counters>,
  releaseIds: string[],
): Promise<{ released: number }> {
  const fresh = [...working.entries()].filter(([, w]) => w.isNew).sort(([a], [b]) => (a < b ? -1 : 1));
  const hourly: Hourly = new Map();
  for (const w of working.values()) if (w.changed) noteHourly(hourly, w);
  const updates = [...working.entries()]
    .filter(([, w]) => w.changed && !w.isNew)
    .map(([executionId, w]) => ({ id: w.id, ...executionRecord({ executionId, ...w }) }));
  const counterRows = [...counters.entries()]
    .filter(([, c]) => c.executionCount || c.successCount || c.failureCount || c.cancelledCount)
    .map(([id, c]) => ({ id, ...c }));
  const hourlyRows = [...hourly.values()].filter((h) => h.count !== 0 || h.durationSumMs !== 0 || h.histogram.some((n) => n !== 0));
  const heartbeats = t.heartbeats.sort((a, b) => (a.executionId < b.executionId ? -1 : a.executionId > b.executionId ? 1 : a.attempt - b.attempt));
  // the incremental sweep's hook: executions moved near or past their stuck threshold
  const rechecks = [...working.entries()]
    .filter(([, w]) => w.changed)
    .map(([executionId, w]) => recheckCandidate(executionId, w.workflowId, w.initial, w.state))
    .filter((c): c is RecheckCandidate => c !== null);
  // Executions are already locked, and so are the timeline and heartbeat rows of those
  // executions (only writers of a locked execution write them): one statement.
  const written = await writeBatch(client, orgId, {
    inserts: fresh.map(([executionId, w]) => executionRecord({ executionId, ...w })),
    releaseIds,
    updates,
    heartbeats,
    rechecks,
    repeats: t.repeats,
    deferNow: t.deferNow,
    timeline: t.timeline,
  });
  if (written) {
    if (written.inserted !== fresh.length) throw new ExecutionCreationRace("an execution was created concurrently");
    if (written.released > 0) return { released: written.released };
  }
  // The contended rows (hourly buckets, then workflow counters) are locked in one global order
  // (sorted keys, hourly before workflows), so two batches never wait on each other in a cycle.
  if (hourlyRows.length) {
    await upsertHourly(client, orgId, hourlyRows);
    // an execution that moved out of an hour may leave it empty: a recount has no such row
    if (hourlyRows.some((h) => h.count < 0)) await deleteEmptyHourly(client, orgId, hourlyRows.filter((h) => h.count < 0));
  }
  // daily rollup, created-at rollup and running totals: after the hourly rows, before the counters
  await writeRollups(client, orgId, rollupDeltas([...working.values()].filter((w) => w.changed).map((w) => ({ workflowId: w.workflowId, before: w.initial, after: w.state }))));
  if (counterRows.length) {
    // Counters come last: the workflow row is the most contended lock, so it is held the least.
    // (A statement of its own: a locking CTE is read lazily, so it would not fix the order.)
    // (One row needs no order: the UPDATE locks it, which saves a round trip for most requests.)
    const ids = counterRows.map((c) => c.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    if (ids.length > 1) await lockWorkflows(client, orgId, ids);
    await addWorkflowCounters(client, orgId, counterRows);
  }
  return { released: 0 };
}
