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
import { EXECUTION_COLUMNS, stateOf, type ExecutionRow } from "../executions/row";
import type { Status } from "../executions/status";
import { bucketOf, emptyHistogram } from "../metrics/histogram";
import { validateEvent, type ValidEvent } from "./event-schema";

export type IngestOutcome = "applied" | "duplicate" | "stale" | "rejected" | "invalid";

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
    const applied = await withTransaction((client) => applyBatch(client, orgId, valid, receivedAt));
    applied.forEach((r, i) => (results[valid[i]!.index] = r));
  } catch (err) {
    if (!isDataError(err)) throw err;
    if (valid.length === 1) {
      results[valid[0]!.index] = { eventId: valid[0]!.event.eventId, outcome: "invalid", status: null, reason: dataErrorReason(err) };
      return results;
    }
    // Something one event carried broke the set-wise write; find it by applying each alone.
    for (const item of valid) {
      try {
        const [r] = await withTransaction((client) => applyBatch(client, orgId, [item], receivedAt));
        results[item.index] = r!;
      } catch (inner) {
        if (!isDataError(inner)) throw inner;
        results[item.index] = { eventId: item.event.eventId, outcome: "invalid", status: null, reason: dataErrorReason(inner) };
      }
    }
    return results;
  }
  return results;
}

/** Applies one already-validated event alone; used by the explicit status endpoint. */
export async function ingestOne(orgId: string, event: ValidEvent, receivedAt = new Date()): Promise<IngestResult> {
  try {
    const [r] = await withTransaction((client) => applyBatch(client, orgId, [{ index: 0, event }], receivedAt));
    return r!;
  } catch (err) {
    if (!isDataError(err)) throw err;
    return { eventId: event.eventId, outcome: "invalid", status: null, reason: dataErrorReason(err) };
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
  type: "STATUS" | "HEARTBEAT";
  status: Status | null;
  attempt: number;
  occurredAt: Date;
  receivedAt: Date;
  outcome: "APPLIED" | "DUPLICATE" | "STALE" | "REJECTED";
  reason: string | null;
  statusBefore: Status | null;
  statusAfter: Status | null;
  payload: Record<string, unknown> | null;
};

type Counters = CounterDelta & { lastExecutionAt: Date | null };

function toLifecycleEvent(e: ValidEvent, receivedAt: Date): LifecycleEvent {
  const occurredAt = e.occurredAt ?? receivedAt;
  if (e.type === "heartbeat") return { type: "heartbeat", attempt: e.attempt, occurredAt };
  return { type: "status", status: e.status!, attempt: e.attempt, occurredAt, error: e.error, output: e.output, continuedAsNewTo: e.continuedAsNewTo };
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

async function applyBatch(client: pg.PoolClient, orgId: string, items: Indexed[], receivedAt: Date): Promise<IngestResult[]> {
  // 1. At most once per eventId: the first occurrence in this batch claims it, unless an
  //    earlier request already did.
  const firstIndexOfEventId = new Map<string, number>();
  items.forEach((it, i) => {
    if (!firstIndexOfEventId.has(it.event.eventId)) firstIndexOfEventId.set(it.event.eventId, i);
  });
  const claims = [...firstIndexOfEventId.keys()].sort();
  const claimed = new Set<string>();
  {
    const execIds = claims.map((id) => items[firstIndexOfEventId.get(id)!]!.event.executionId);
    const { rows } = await client.query<{ eventId: string }>(
      `INSERT INTO processed_events ("orgId", "eventId", "executionId", "receivedAt")
       SELECT $1, t.e, t.x, $4 FROM unnest($2::text[], $3::text[]) AS t(e, x)
       ON CONFLICT DO NOTHING RETURNING "eventId"`,
      [orgId, claims, execIds, receivedAt],
    );
    for (const r of rows) claimed.add(r.eventId);
  }
  const isFresh = (i: number) => claimed.has(items[i]!.event.eventId) && firstIndexOfEventId.get(items[i]!.event.eventId) === i;

  // 2. Lock every execution the batch touches, successors of ContinueAsNew included.
  const touched = new Set<string>();
  for (const it of items) {
    touched.add(it.event.executionId);
    if (it.event.continuedAsNewTo) touched.add(it.event.continuedAsNewTo);
  }
  const working = new Map<string, Working>();
  await lockExecutions(client, orgId, [...touched], working);

  // 3. Workflows that executions first seen here may need.
  const newKeys = items.filter((it) => it.event.workflow && !working.has(it.event.executionId)).map((it) => it.event.workflow!);
  const workflowIds = newKeys.length ? await resolveWorkflows(client, orgId, newKeys) : new Map<string, string>();

  // 4. Decide every event in arrival order with the pure lifecycle rules, in memory.
  const results: IngestResult[] = [];
  const timeline: TimelineRow[] = [];
  const counters = new Map<string, Counters>();
  const hourly: Hourly = new Map();
  const invalidClaims: string[] = [];

  const create = (executionId: string, workflowId: string, state: ExecutionState, e: Partial<ValidEvent>, continuedFromId: string | null) => {
    const w: Working = {
      id: null,
      workflowId,
      state,
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

  // ContinueAsNew: point the successor back at this run, creating it (PENDING) when it is new.
  const linkSuccessor = (from: string, w: Working) => {
    const to = w.state.continuedAsNewToId;
    if (w.state.status !== "CONTINUED_AS_NEW" || !to) return;
    const successor = working.get(to);
    if (!successor) {
      const state = initialState({ type: "status", status: "PENDING", attempt: 1, occurredAt: w.state.completedAt! });
      create(to, w.workflowId, state, {}, from);
      addCounters(counters, w.workflowId, { executionCount: 1, successCount: 0, failureCount: 0, cancelledCount: 0 }, state.createdAt);
    } else if (successor.continuedFromId === null) {
      successor.continuedFromId = from;
      successor.changed = true;
    }
  };

  items.forEach((it, i) => {
    const e = it.event;
    let w = working.get(e.executionId);
    const base = {
      executionId: e.executionId,
      eventId: e.eventId,
      type: e.type === "heartbeat" ? ("HEARTBEAT" as const) : ("STATUS" as const),
      status: e.status ?? null,
      attempt: e.attempt,
      occurredAt: e.occurredAt ?? receivedAt,
      receivedAt,
      payload: timelinePayload(e),
    };
    if (!isFresh(i)) {
      const reason = claimed.has(e.eventId) ? "eventId repeated within this batch" : "eventId was already received";
      const status = w?.state.status ?? null;
      if (w) timeline.push({ ...base, outcome: "DUPLICATE", reason, statusBefore: status, statusAfter: status });
      results.push({ eventId: e.eventId, outcome: "duplicate", status, reason });
      return;
    }
    if (!w && !(e.type === "status" && e.workflow)) {
      invalidClaims.push(e.eventId);
      const reason =
        e.type === "heartbeat"
          ? `execution "${e.executionId}" is unknown; its first event must be a status event that names its workflow`
          : `workflow is required on the first event of an execution ("${e.executionId}" is unknown)`;
      results.push({ eventId: e.eventId, outcome: "invalid", status: null, reason });
      return;
    }
    const before = w?.state.status ?? null;
    const decision = applyEvent(w?.state ?? null, toLifecycleEvent(e, receivedAt));
    if (!w) {
      w = create(e.executionId, workflowIds.get(e.workflow!)!, decision.next, e, null);
      addCounters(counters, w.workflowId, decision.counters, decision.next.createdAt);
    } else if (decision.outcome === "applied") {
      w.state = decision.next;
      w.changed = true;
      if (w.input === null && e.input !== undefined) w.input = e.input;
      if (e.metadata) w.metadata = { ...(w.metadata ?? {}), ...e.metadata };
      if (w.parentExecutionId === null && e.parentExecutionId) w.parentExecutionId = e.parentExecutionId;
      addCounters(counters, w.workflowId, decision.counters, null);
    }
    if (decision.outcome === "applied") {
      if (decision.becameTerminal) noteTerminal(hourly, w);
      linkSuccessor(e.executionId, w);
    }
    timeline.push({
      ...base,
      outcome: decision.outcome.toUpperCase() as TimelineRow["outcome"],
      reason: decision.reason,
      statusBefore: before,
      statusAfter: w.state.status,
    });
    results.push({ eventId: e.eventId, outcome: decision.outcome, status: w.state.status, ...(decision.reason ? { reason: decision.reason } : {}) });
  });

  // 5. Write everything: new executions first (a racer that created one of them first makes
  //    the whole batch retry, and the retry sees its row), then the rest in one statement.
  await insertNewExecutions(client, orgId, working);
  await writeChanges(client, orgId, working, timeline, counters, hourly);
  if (invalidClaims.length) {
    // an eventId answered `invalid` was not applied, so the sender may fix the event and resend it
    await client.query(`DELETE FROM processed_events WHERE "orgId" = $1 AND "eventId" = ANY($2::text[])`, [orgId, invalidClaims]);
  }
  return results;
}

async function lockExecutions(client: pg.PoolClient, orgId: string, executionIds: string[], into: Map<string, Working>): Promise<void> {
  if (!executionIds.length) return;
  const { rows } = await client.query<ExecutionRow>(
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
      input: row.input,
      metadata: row.metadata,
      parentExecutionId: row.parentExecutionId,
      continuedFromId: row.continuedFromId,
      isNew: false,
      changed: false,
    });
  }
}

/** Workflow ids by key, creating the workflows that are new (named after their key). */
async function resolveWorkflows(client: pg.PoolClient, orgId: string, keys: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(keys)].sort();
  const found = new Map<string, string>();
  const select = async (wanted: string[]) => {
    const { rows } = await client.query<{ id: string; key: string }>(`SELECT id, key FROM workflows WHERE "orgId" = $1 AND key = ANY($2::text[])`, [orgId, wanted]);
    for (const r of rows) found.set(r.key, r.id);
  };
  await select(unique);
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
    statusChangedAt: s.statusChangedAt,
    createdAt: s.createdAt,
    scheduledAt: s.scheduledAt,
    startedAt: s.startedAt,
    lastHeartbeatAt: s.lastHeartbeatAt,
    lastEventAt: s.lastEventAt,
    completedAt: s.completedAt,
    durationMs: s.durationMs,
    error: s.error ?? undefined,
    output: s.output ?? undefined,
    input: d.input ?? undefined,
    metadata: d.metadata ?? undefined,
    continuedFromId: d.continuedFromId ?? null,
    continuedAsNewToId: s.continuedAsNewToId,
    parentExecutionId: d.parentExecutionId,
  };
}

const EXECUTION_RECORDSET = `x("executionId" text, "workflowId" bigint, status "ExecutionStatus", attempt int, "statusChangedAt" timestamptz,
  "createdAt" timestamptz, "scheduledAt" timestamptz, "startedAt" timestamptz, "lastHeartbeatAt" timestamptz, "lastEventAt" timestamptz,
  "completedAt" timestamptz, "durationMs" bigint, error jsonb, output jsonb, input jsonb, metadata jsonb, "continuedFromId" text,
  "continuedAsNewToId" text, "parentExecutionId" text)`;

/** A concurrent writer created an execution this batch also created: retry the batch. */
export class ExecutionCreationRace extends Error {
  readonly code = "40001"; // retried by withTransaction like a serialization failure
}

async function insertNewExecutions(client: pg.PoolClient, orgId: string, working: Map<string, Working>): Promise<void> {
  const fresh = [...working.entries()].filter(([, w]) => w.isNew).sort(([a], [b]) => (a < b ? -1 : 1));
  if (!fresh.length) return;
  const { rows } = await client.query<{ executionId: string }>(
    `INSERT INTO executions ("orgId", "executionId", "workflowId", status, attempt, "statusChangedAt", "createdAt", "scheduledAt",
       "startedAt", "lastHeartbeatAt", "lastEventAt", "completedAt", "durationMs", error, output, input, metadata, "continuedFromId",
       "continuedAsNewToId", "parentExecutionId")
     SELECT $1, x."executionId", x."workflowId", x.status, x.attempt, x."statusChangedAt", x."createdAt", x."scheduledAt", x."startedAt",
       x."lastHeartbeatAt", x."lastEventAt", x."completedAt", x."durationMs", x.error, x.output, x.input, x.metadata, x."continuedFromId",
       x."continuedAsNewToId", x."parentExecutionId"
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

type Hourly = Map<string, { workflowId: string; hour: Date; status: Status; count: number; durationSumMs: number; histogram: number[] }>;

function noteTerminal(hourly: Hourly, w: Working) {
  const s = w.state;
  if (!s.completedAt || s.durationMs === null) return;
  const hour = new Date(Math.floor(s.completedAt.getTime() / 3_600_000) * 3_600_000);
  const key = `${w.workflowId}|${hour.toISOString()}|${s.status}`;
  const h = hourly.get(key) ?? { workflowId: w.workflowId, hour, status: s.status, count: 0, durationSumMs: 0, histogram: emptyHistogram() };
  h.count += 1;
  h.durationSumMs += s.durationMs;
  h.histogram[bucketOf(s.durationMs)]! += 1;
  hourly.set(key, h);
}


async function writeChanges(
  client: pg.PoolClient,
  orgId: string,
  working: Map<string, Working>,
  timeline: TimelineRow[],
  counters: Map<string, Counters>,
  hourly: Hourly,
) {
  const updates = [...working.entries()]
    .filter(([, w]) => w.changed && !w.isNew)
    .map(([executionId, w]) => ({ id: w.id, ...executionRecord({ executionId, ...w }) }));
  const counterRows = [...counters.entries()]
    .filter(([, c]) => c.executionCount || c.successCount || c.failureCount || c.cancelledCount)
    .map(([id, c]) => ({ id, ...c }));
  const hourlyRows = [...hourly.values()];
  // Executions are already locked and timeline rows conflict with nothing: one statement.
  await client.query(
    `WITH upd AS (
       UPDATE executions e SET status = x.status, attempt = x.attempt, "statusChangedAt" = x."statusChangedAt",
         "scheduledAt" = x."scheduledAt", "startedAt" = x."startedAt", "lastHeartbeatAt" = x."lastHeartbeatAt",
         "lastEventAt" = x."lastEventAt", "completedAt" = x."completedAt", "durationMs" = x."durationMs", error = x.error,
         output = x.output, input = x.input, metadata = x.metadata, "continuedFromId" = x."continuedFromId",
         "continuedAsNewToId" = x."continuedAsNewToId", "parentExecutionId" = x."parentExecutionId", "updatedAt" = now()
       FROM json_to_recordset($2::json) AS x(id bigint, status "ExecutionStatus", attempt int, "statusChangedAt" timestamptz,
         "scheduledAt" timestamptz, "startedAt" timestamptz, "lastHeartbeatAt" timestamptz, "lastEventAt" timestamptz,
         "completedAt" timestamptz, "durationMs" bigint, error jsonb, output jsonb, input jsonb, metadata jsonb,
         "continuedFromId" text, "continuedAsNewToId" text, "parentExecutionId" text)
       WHERE e."orgId" = $1 AND e.id = x.id
     )
     INSERT INTO execution_events ("orgId", "executionId", "eventId", type, status, attempt, "occurredAt", "receivedAt", outcome,
       reason, "statusBefore", "statusAfter", payload)
     SELECT $1, x."executionId", x."eventId", x.type, x.status, x.attempt, x."occurredAt", x."receivedAt", x.outcome, x.reason,
       x."statusBefore", x."statusAfter", x.payload
     FROM json_to_recordset($3::json) AS x("executionId" text, "eventId" text, type "EventType", status "ExecutionStatus",
       attempt int, "occurredAt" timestamptz, "receivedAt" timestamptz, outcome "EventOutcome", reason text,
       "statusBefore" "ExecutionStatus", "statusAfter" "ExecutionStatus", payload jsonb)`,
    [orgId, JSON.stringify(updates), JSON.stringify(timeline)],
  );
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
