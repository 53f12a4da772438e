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
import { withTransaction } from "../db/transaction";
import { applyEvent, initialState, type CounterDelta, type ExecutionState, type LifecycleEvent } from "../executions/lifecycle";
import { EXECUTION_COLUMNS, stateOf, type ExecutionStateRow } from "../executions/row";
import { isTerminal, type Status } from "../executions/status";
import { bucketOf, emptyHistogram } from "../metrics/histogram";
import { rawEventSchema, validateEvent, type ValidEvent } from "./event-schema";

export type IngestOutcome = "applied" | "duplicate" | "stale" | "rejected" | "deferred" | "invalid";

export type IngestResult = {
  eventId: string | null;
  outcome: IngestOutcome;
  /** the execution's status after this event (null when the execution is unknown) */
  status: Status | null;
  reason?: string;
};

export type IngestOptions = { receivedAt?: Date };

/** Validates and applies events; results come back in input order. */
export async function ingestEvents(orgId: string, rawEvents: readonly unknown[], options: IngestOptions = {}): Promise<IngestResult[]> {
  const receivedAt = options.receivedAt ?? new Date();
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

/** Applies one already-validated event alone; used by the explicit status endpoint. */
export async function ingestOne(orgId: string, event: ValidEvent, receivedAt = new Date(), inTransaction?: pg.PoolClient): Promise<IngestResult> {
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

// Deferral and creation of one organization's executions serialize on this advisory lock,
// taken before the executions are read: a batch that may create executions holds it shared
// (creators never wait for each other), a batch that defers events holds it exclusively. So a
// deferred event is either seen by the batch that creates its execution, or finds the execution
// created. A batch finds out that it defers only after reading its executions: it then runs
// again with the exclusive lock from the start (rare: only out-of-order first events).
type LockMode = "shared" | "exclusive";
const deferLockCall = (mode: LockMode, orgParam: string) =>
  `${mode === "shared" ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock"}(hashtextextended('runwatch.defer:' || ${orgParam}, 0))`;

/** This batch defers events but did not hold the lock exclusively: run it again with it. */
export class DeferralNeedsExclusiveLock extends Error {
  readonly code = "40001"; // retried by withTransaction
}

/** Carried across the retries of one batch: whether it must start with the exclusive lock. */
export type BatchHint = { exclusive: boolean };

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
  const claimed = new Set<string>();
  if (claims.length) {
    const execIds = claims.map((id) => items[firstIndexOfEventId.get(id)!]!.event.executionId);
    // the deferral lock rides on this statement: no round trip of its own
    const { rows } = await client.query<{ eventId: string }>(
      `${lockMode ? `WITH l AS MATERIALIZED (SELECT ${deferLockCall(lockMode, "$1::uuid::text")}) ` : ""}
       INSERT INTO processed_events ("orgId", "eventId", "executionId", "receivedAt")
       SELECT $1, t.e, t.x, $4 FROM unnest($2::text[], $3::text[]) AS t(e, x)${lockMode ? " CROSS JOIN l" : ""}
       ON CONFLICT DO NOTHING RETURNING "eventId"`,
      [orgId, claims, execIds, receivedAt],
    );
    for (const r of rows) claimed.add(r.eventId);
  } else if (lockMode) {
    await client.query(`SELECT ${deferLockCall(lockMode, "$1::text")}`, [orgId]);
  }
  const isFresh = (i: number) => {
    const id = items[i]!.event.eventId;
    return id === undefined || (claimed.has(id) && firstIndexOfEventId.get(id) === i);
  };

  // 2. Lock every execution the batch touches, successors of ContinueAsNew included.
  const touched = new Set<string>();
  for (const it of items) {
    touched.add(it.event.executionId);
    if (it.event.continuedAsNewTo) touched.add(it.event.continuedAsNewTo);
  }
  const working = new Map<string, Working>();
  await lockExecutions(client, orgId, [...touched], working);

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

  // 4. Workflows that executions first seen here may need, and (same statement) the deferred
  //    events that the executions created here take with them.
  const released = new Map<string, Released[]>();
  const newKeys = items.filter((it) => it.event.workflow && !working.has(it.event.executionId)).map((it) => it.event.workflow!);
  const mayRelease = [...creators, ...successors].filter((id) => !working.has(id));
  const workflowIds = newKeys.length ? await resolveWorkflows(client, orgId, newKeys, mayRelease, released) : new Map<string, string>();
  if (!newKeys.length && mayRelease.length) await releaseDeferred(client, orgId, mayRelease, released);

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

  // 6. Write everything: new executions first (a racer that created one of them first makes
  //    the whole batch retry, and the retry sees its row), then the rest in one statement.
  await insertNewExecutions(client, orgId, working);
  await writeChanges(client, orgId, working, { timeline, heartbeats: [...heartbeats.values()], repeats: storedRepeats, deferNow }, counters);
  return results;
}

type DeferredRow = { executionId: string; receivedAt: Date; event: unknown; repeats: number };

const RELEASE_SQL = `DELETE FROM deferred_events WHERE "orgId" = $1 AND "executionId" = ANY($2::text[]) RETURNING "executionId", "receivedAt", event, repeats`;

/** Takes the deferred events of executions this batch creates out of deferred_events. */
async function releaseDeferred(client: pg.PoolClient, orgId: string, executionIds: string[], into: Map<string, Released[]>): Promise<void> {
  const { rows } = await client.query<DeferredRow>(RELEASE_SQL, [orgId, executionIds]);
  addReleased(rows, into);
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

async function lockExecutions(client: pg.PoolClient, orgId: string, executionIds: string[], into: Map<string, Working>): Promise<void> {
  if (!executionIds.length) return;
  const { rows } = await client.query<ExecutionStateRow>(
    `SELECT ${EXECUTION_COLUMNS} FROM executions e
     WHERE e."orgId" = $1 AND e."executionId" = ANY($2::text[])
     ORDER BY e."executionId" FOR UPDATE`,
    [orgId, executionIds],
  );
  for (const row of rows) {
    into.set(row.executionId, {
      id: row.id,
      workflowId: row.workflowId,
      state: stateOf(row),
      initial: stateOf(row),
      input: row.input,
      metadata: row.metadata,
      parentExecutionId: row.parentExecutionId,
      continuedFromId: row.continuedFromId,
      isNew: false,
      changed: false,
    });
  }
}

/**
 * Workflow ids by key, creating the workflows that are new (named after their key). The first
 * query also takes the deferred events of `releaseIds` out of deferred_events (into `released`).
 */
async function resolveWorkflows(
  client: pg.PoolClient,
  orgId: string,
  keys: string[],
  releaseIds: string[],
  released: Map<string, Released[]>,
): Promise<Map<string, string>> {
  const unique = [...new Set(keys)].sort();
  const found = new Map<string, string>();
  const select = async (wanted: string[]) => {
    const { rows } = await client.query<{ id: string; key: string }>(`SELECT id, key FROM workflows WHERE "orgId" = $1 AND key = ANY($2::text[])`, [orgId, wanted]);
    for (const r of rows) found.set(r.key, r.id);
  };
  if (releaseIds.length) {
    const { rows } = await client.query<{ kind: "workflow" | "deferred"; id: string | null; key: string | null } & DeferredRow>(
      `WITH d AS (${RELEASE_SQL})
       SELECT 'workflow' AS kind, id::text AS id, key, NULL::text AS "executionId", NULL::timestamptz AS "receivedAt", NULL::jsonb AS event,
              NULL::int AS repeats
         FROM workflows WHERE "orgId" = $1 AND key = ANY($3::text[])
       UNION ALL
       SELECT 'deferred', NULL, NULL, d."executionId", d."receivedAt", d.event, d.repeats FROM d`,
      [orgId, releaseIds, unique],
    );
    for (const r of rows) if (r.kind === "workflow") found.set(r.key!, r.id!);
    addReleased(rows.filter((r) => r.kind === "deferred"), released);
  } else {
    await select(unique);
  }
  const missing = unique.filter((k) => !found.has(k));
  if (missing.length) {
    await client.query(
      `INSERT INTO workflows ("orgId", key, name) SELECT $1, k, k FROM unnest($2::text[]) AS k ORDER BY k ON CONFLICT ("orgId", key) DO NOTHING`,
      [orgId, missing],
    );
    await select(missing);
  }
  return found;
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

const EXECUTION_RECORDSET = `x("executionId" text, "workflowId" bigint, status "ExecutionStatus", attempt int, "statusAttempt" int,
  "statusEventId" text, "statusChangedAt" timestamptz, "createdAt" timestamptz, "scheduledAt" timestamptz, "startedAt" timestamptz,
  "lastHeartbeatAt" timestamptz, "lastEventAt" timestamptz, "completedAt" timestamptz, "durationMs" bigint, error jsonb,
  "errorAt" timestamptz, "errorEventId" text, output jsonb, input jsonb, metadata jsonb, "continuedFromId" text,
  "continuedAsNewToId" text, "parentExecutionId" text)`;

/** A concurrent writer created an execution this batch also created: retry the batch. */
export class ExecutionCreationRace extends Error {
  readonly code = "40001"; // retried by withTransaction like a serialization failure
}

async function insertNewExecutions(client: pg.PoolClient, orgId: string, working: Map<string, Working>): Promise<void> {
  const fresh = [...working.entries()].filter(([, w]) => w.isNew).sort(([a], [b]) => (a < b ? -1 : 1));
  if (!fresh.length) return;
  const { rows } = await client.query<{ executionId: string }>(
    `INSERT INTO executions ("orgId", "executionId", "workflowId", status, attempt, "statusAttempt", "statusEventId", "statusChangedAt",
       "createdAt", "scheduledAt", "startedAt", "lastHeartbeatAt", "lastEventAt", "completedAt", "durationMs", error, "errorAt",
       "errorEventId", output, input, metadata, "continuedFromId", "continuedAsNewToId", "parentExecutionId")
     SELECT $1, x."executionId", x."workflowId", x.status, x.attempt, x."statusAttempt", x."statusEventId", x."statusChangedAt",
       x."createdAt", x."scheduledAt", x."startedAt", x."lastHeartbeatAt", x."lastEventAt", x."completedAt", x."durationMs", x.error,
       x."errorAt", x."errorEventId", x.output, x.input, x.metadata, x."continuedFromId", x."continuedAsNewToId", x."parentExecutionId"
     FROM json_to_recordset($2::json) AS ${EXECUTION_RECORDSET}
     ORDER BY x."executionId"
     ON CONFLICT ("orgId", "executionId") DO NOTHING
     RETURNING "executionId"`,
    [orgId, JSON.stringify(fresh.map(([executionId, w]) => executionRecord({ executionId, ...w })))],
  );
  if (rows.length !== fresh.length) throw new ExecutionCreationRace("an execution was created concurrently");
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

/** What one terminal execution adds to execution_hourly: its hour, status and duration bucket. */
export function hourlyContribution(s: ExecutionState | null): { hour: Date; status: Status; durationMs: number } | null {
  if (!s || !isTerminal(s.status) || !s.completedAt || s.durationMs === null) return null;
  return { hour: new Date(Math.floor(s.completedAt.getTime() / 3_600_000) * 3_600_000), status: s.status, durationMs: s.durationMs };
}

/**
 * Moves the hourly aggregate by the difference between an execution's contribution as locked and
 * as written: a late event that moves startedAt (and so durationMs) takes the execution out of
 * its old histogram bucket and puts it in the new one, so the aggregate stays equal to a recount.
 */
function noteHourly(hourly: Hourly, w: Working) {
  const before = hourlyContribution(w.initial);
  const after = hourlyContribution(w.state);
  if (before && after && before.hour.getTime() === after.hour.getTime() && before.status === after.status && before.durationMs === after.durationMs) return;
  const add = (c: NonNullable<typeof before>, sign: 1 | -1) => {
    const key = `${w.workflowId}|${c.hour.toISOString()}|${c.status}`;
    const h = hourly.get(key) ?? { workflowId: w.workflowId, hour: c.hour, status: c.status, count: 0, durationSumMs: 0, histogram: emptyHistogram() };
    h.count += sign;
    h.durationSumMs += sign * c.durationMs;
    h.histogram[bucketOf(c.durationMs)]! += sign;
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

async function writeChanges(client: pg.PoolClient, orgId: string, working: Map<string, Working>, t: TimelineWrites, counters: Map<string, Counters>) {
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
  // Executions are already locked, and so are the timeline and heartbeat rows of those
  // executions (only writers of a locked execution write them): one statement, made of the
  // parts this batch needs (a part with nothing to write would still cost planning).
  const values: unknown[] = [orgId];
  const param = (rows: unknown[]) => {
    values.push(JSON.stringify(rows));
    return `$${values.length}::json`;
  };
  const parts: string[] = [];
  if (updates.length) {
    parts.push(`UPDATE executions e SET status = x.status, attempt = x.attempt, "statusAttempt" = x."statusAttempt",
         "statusEventId" = x."statusEventId", "statusChangedAt" = x."statusChangedAt", "createdAt" = x."createdAt",
         "scheduledAt" = x."scheduledAt", "startedAt" = x."startedAt", "lastHeartbeatAt" = x."lastHeartbeatAt",
         "lastEventAt" = x."lastEventAt", "completedAt" = x."completedAt", "durationMs" = x."durationMs", error = x.error,
         "errorAt" = x."errorAt", "errorEventId" = x."errorEventId", output = x.output, input = x.input, metadata = x.metadata,
         "continuedFromId" = x."continuedFromId", "continuedAsNewToId" = x."continuedAsNewToId",
         "parentExecutionId" = x."parentExecutionId", "updatedAt" = now()
       FROM json_to_recordset(${param(updates)}) AS x(id bigint, status "ExecutionStatus", attempt int, "statusAttempt" int, "statusEventId" text,
         "statusChangedAt" timestamptz, "createdAt" timestamptz, "scheduledAt" timestamptz, "startedAt" timestamptz,
         "lastHeartbeatAt" timestamptz, "lastEventAt" timestamptz, "completedAt" timestamptz, "durationMs" bigint, error jsonb,
         "errorAt" timestamptz, "errorEventId" text, output jsonb, input jsonb, metadata jsonb, "continuedFromId" text,
         "continuedAsNewToId" text, "parentExecutionId" text)
       WHERE e."orgId" = $1 AND e.id = x.id`);
  }
  if (heartbeats.length) {
    parts.push(`INSERT INTO execution_heartbeats AS h ("orgId", "executionId", attempt, count, "firstOccurredAt", "lastOccurredAt", "waitedMs")
       SELECT $1, x."executionId", x.attempt, x.count, x."firstOccurredAt", x."lastOccurredAt", x."waitedMs"
       FROM json_to_recordset(${param(heartbeats)}) AS x("executionId" text, attempt int, count int, "firstOccurredAt" timestamptz,
         "lastOccurredAt" timestamptz, "waitedMs" int)
       ON CONFLICT ("orgId", "executionId", attempt) DO UPDATE SET count = h.count + EXCLUDED.count,
         "firstOccurredAt" = LEAST(h."firstOccurredAt", EXCLUDED."firstOccurredAt"),
         "lastOccurredAt" = GREATEST(h."lastOccurredAt", EXCLUDED."lastOccurredAt"),
         "waitedMs" = GREATEST(h."waitedMs", EXCLUDED."waitedMs")`);
  }
  if (t.repeats.length) {
    const repeats = param(t.repeats);
    parts.push(`UPDATE execution_events ev SET repeats = ev.repeats + x.n
       FROM json_to_recordset(${repeats}) AS x("executionId" text, "eventId" text, n int)
       WHERE ev."orgId" = $1 AND ev."executionId" = x."executionId" AND ev."eventId" = x."eventId"`);
    parts.push(`UPDATE deferred_events d SET repeats = d.repeats + x.n
       FROM json_to_recordset(${repeats}) AS x("executionId" text, "eventId" text, n int)
       WHERE d."orgId" = $1 AND d."executionId" = x."executionId" AND d."eventId" = x."eventId"`);
  }
  if (t.deferNow.length) {
    parts.push(`INSERT INTO deferred_events ("orgId", "executionId", "eventId", "receivedAt", event, repeats)
       SELECT $1, x."executionId", x."eventId", x."receivedAt", x.event, x.repeats
       FROM json_to_recordset(${param(t.deferNow)}) AS x("executionId" text, "eventId" text, "receivedAt" timestamptz, event jsonb, repeats int)`);
  }
  if (t.timeline.length) {
    parts.push(`INSERT INTO execution_events ("orgId", "executionId", "eventId", type, status, attempt, "occurredAt", "receivedAt", outcome,
       reason, "statusBefore", "statusAfter", payload, repeats, "waitedMs")
     SELECT $1, x."executionId", x."eventId", x.type, x.status, x.attempt, x."occurredAt", x."receivedAt", x.outcome, x.reason,
       x."statusBefore", x."statusAfter", x.payload, x.repeats, x."waitedMs"
     FROM json_to_recordset(${param(t.timeline)}) AS x("executionId" text, "eventId" text, type "EventType", status "ExecutionStatus",
       attempt int, "occurredAt" timestamptz, "receivedAt" timestamptz, outcome "EventOutcome", reason text,
       "statusBefore" "ExecutionStatus", "statusAfter" "ExecutionStatus", payload jsonb, repeats int, "waitedMs" int)`);
  }
  if (parts.length) {
    const last = parts.pop()!;
    const ctes = parts.map((sql, i) => `w${i} AS (${sql})`);
    await client.query(`${ctes.length ? `WITH ${ctes.join(", ")} ` : ""}${last}`, values);
  }
  // The contended rows (hourly buckets, then workflow counters) are locked in one global order
  // (sorted keys, hourly before workflows), so two batches never wait on each other in a cycle.
  if (hourlyRows.length) {
    await client.query(
      `INSERT INTO execution_hourly ("orgId", "workflowId", hour, status, count, "durationSumMs", histogram)
       SELECT $1, x."workflowId", x.hour, x.status, x.count, x."durationSumMs", x.histogram
       FROM json_to_recordset($2::json) AS x("workflowId" bigint, hour timestamptz, status "ExecutionStatus", count int,
         "durationSumMs" bigint, histogram int[])
       ORDER BY x."workflowId", x.hour, x.status
       ON CONFLICT ("orgId", "workflowId", hour, status) DO UPDATE SET
         count = execution_hourly.count + EXCLUDED.count,
         "durationSumMs" = execution_hourly."durationSumMs" + EXCLUDED."durationSumMs",
         histogram = ARRAY(SELECT a + b FROM unnest(execution_hourly.histogram, EXCLUDED.histogram) AS t(a, b))`,
      [orgId, JSON.stringify(hourlyRows)],
    );
    // an execution that moved out of an hour may leave it empty: a recount has no such row
    if (hourlyRows.some((h) => h.count < 0)) {
      await client.query(
        `DELETE FROM execution_hourly h USING json_to_recordset($2::json) AS x("workflowId" bigint, hour timestamptz, status "ExecutionStatus")
         WHERE h."orgId" = $1 AND h."workflowId" = x."workflowId" AND h.hour = x.hour AND h.status = x.status AND h.count = 0`,
        [orgId, JSON.stringify(hourlyRows.filter((h) => h.count < 0))],
      );
    }
  }
  if (counterRows.length) {
    // FOR NO KEY UPDATE, not FOR UPDATE: executions inserted earlier in this transaction hold
    // KEY SHARE locks on their workflows (foreign key), which FOR UPDATE would conflict with.
    // Counters come last: the workflow row is the most contended lock, so it is held the least.
    // (A statement of its own: a locking CTE is read lazily, so it would not fix the order.)
    const ids = counterRows.map((c) => c.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    await client.query(`SELECT 1 FROM workflows WHERE "orgId" = $1 AND id = ANY($2::bigint[]) ORDER BY id FOR NO KEY UPDATE`, [orgId, ids]);
    await client.query(
      `UPDATE workflows w SET "executionCount" = w."executionCount" + x."executionCount",
         "successCount" = w."successCount" + x."successCount", "failureCount" = w."failureCount" + x."failureCount",
         "cancelledCount" = w."cancelledCount" + x."cancelledCount",
         "lastExecutionAt" = GREATEST(w."lastExecutionAt", x."lastExecutionAt"), "updatedAt" = now()
       FROM json_to_recordset($2::json) AS x(id bigint, "executionCount" int, "successCount" int, "failureCount" int,
         "cancelledCount" int, "lastExecutionAt" timestamptz)
       WHERE w."orgId" = $1 AND w.id = x.id`,
      [orgId, JSON.stringify(counterRows)],
    );
  }
}
