// The SQL of ingestion (server/ingest/service.ts decides, this module writes). Ingestion is the
// hot path, so its statements are composed per batch of only the parts the batch needs (a part
// with nothing to do would still cost planning) and each function here is one round trip.
import { z } from "zod";
import { EXECUTION_COLUMNS, type ExecutionStateRow } from "../executions/row";
import { STATUSES } from "../executions/status";
import { recheckInsertSql } from "../executions/stuck-recheck";
import { defineCommand, defineDynamicQuery, defineQuery, type Queryable } from "../db/sql";

// ── step 1–2: the deferral lock, the eventId claims, the executions locked, the workflows named ──

export type LockMode = "shared" | "exclusive";

// Deferral and creation of one organization's executions serialize on this advisory lock (see
// service.ts, applyBatch): shared for batches that may create, exclusive for those that defer.
const deferLockCall = (mode: LockMode, orgParam: string) =>
  `${mode === "shared" ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock"}(hashtextextended('runwatch.defer:' || ${orgParam}, 0))`;

const executionStateRow = z.object({
  id: z.string(),
  executionId: z.string(),
  workflowId: z.string(),
  status: z.enum(STATUSES),
  attempt: z.number(),
  statusAttempt: z.number(),
  statusEventId: z.string().nullable(),
  statusChangedAt: z.date(),
  createdAt: z.date(),
  scheduledAt: z.date().nullable(),
  startedAt: z.date().nullable(),
  lastHeartbeatAt: z.date().nullable(),
  lastEventAt: z.date(),
  completedAt: z.date().nullable(),
  durationMs: z.string().nullable(),
  error: z.unknown(),
  errorAt: z.date().nullable(),
  errorEventId: z.string().nullable(),
  output: z.unknown(),
  input: z.unknown(),
  metadata: z.record(z.string(), z.string()).nullable(),
  continuedFromId: z.string().nullable(),
  continuedAsNewToId: z.string().nullable(),
  parentExecutionId: z.string().nullable(),
}) satisfies z.ZodType<ExecutionStateRow>;

/** What every row of the batch read carries besides the execution (the first row's counts). */
const batchMeta = {
  claimedEventIds: z.array(z.string()).nullable(),
  workflowIds: z.record(z.string(), z.string()).nullable(),
};

// A row is one locked execution, or (none read or found) a row of nulls carrying only the meta.
const BATCH_READ = defineDynamicQuery(
  "ingest.lockClaimAndRead",
  z.union([executionStateRow.extend(batchMeta), z.object({ executionId: z.null(), ...batchMeta })]),
);

export type BatchReadParts = {
  orgId: string;
  /** the deferral lock to take first (null: none) */
  lockMode: LockMode | null;
  /** eventIds to claim in processed_events, with the execution each belongs to */
  claims: { eventIds: string[]; executionIds: string[]; receivedAt: Date } | null;
  /** executions to lock FOR UPDATE, in executionId order */
  executionIds: string[];
  /** workflow keys whose ids to read */
  workflowKeys: string[];
  /** turn synchronous_commit off for this transaction (RUNWATCH_INGEST_SYNCHRONOUS_COMMIT=off) */
  relaxDurability: boolean;
};

export type BatchRead = { executions: ExecutionStateRow[]; claimedEventIds: string[]; workflowIds: Record<string, string> };

/**
 * One round trip: takes the deferral lock, claims the eventIds, locks the executions and reads
 * the workflow ids of the keys named, each part only when asked for.
 */
export async function lockClaimAndRead(db: Queryable, p: BatchReadParts): Promise<BatchRead> {
  const values: unknown[] = [p.orgId];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const ctes: string[] = [];
  const lock = p.lockMode !== null;
  if (p.lockMode) ctes.push(`l AS MATERIALIZED (SELECT ${deferLockCall(p.lockMode, "$1::uuid::text")})`);
  const claims = p.claims !== null && p.claims.eventIds.length > 0;
  if (p.claims && claims) {
    ctes.push(`c AS (INSERT INTO processed_events ("orgId", "eventId", "executionId", "receivedAt")
       SELECT $1, t.e, t.x, ${param(p.claims.receivedAt)} FROM unnest(${param(p.claims.eventIds)}::text[], ${param(p.claims.executionIds)}::text[]) AS t(e, x)${lock ? " CROSS JOIN l" : ""}
       ON CONFLICT DO NOTHING RETURNING "eventId")`);
  }
  const read = p.executionIds.length > 0;
  if (read) {
    // joined to the lock, so no row is locked before the deferral lock is held
    ctes.push(`x AS (SELECT ${EXECUTION_COLUMNS} FROM executions e${lock ? " CROSS JOIN l" : ""}
       WHERE e."orgId" = $1 AND e."executionId" = ANY(${param(p.executionIds)}::text[]) ORDER BY e."executionId" FOR UPDATE OF e)`);
  }
  const workflows = p.workflowKeys.length > 0;
  if (workflows) ctes.push(`wf AS (SELECT id, key FROM workflows WHERE "orgId" = $1 AND key = ANY(${param(p.workflowKeys)}::text[]))`);
  const rows = await BATCH_READ.all(db, {
    text: `${ctes.length ? `WITH ${ctes.join(",\n")} ` : ""}
     SELECT ${read ? "x.*" : "NULL AS \"executionId\""},
       ${claims ? `(SELECT array_agg("eventId") FROM c)` : "NULL::text[]"} AS "claimedEventIds",
       ${workflows ? `(SELECT json_object_agg(key, id::text) FROM wf)` : "NULL::json"} AS "workflowIds",
       ${lock ? "(SELECT 1 FROM l)" : "1"} AS locked${p.relaxDurability ? `, set_config('synchronous_commit', 'off', true) AS durability` : ""}
     FROM (SELECT 1) AS one${read ? " LEFT JOIN x ON true" : ""}`,
    values,
  });
  const executions: ExecutionStateRow[] = [];
  // (a row keeps its meta fields beside the execution's: nobody reads them, copying would cost)
  for (const row of rows) if (row.executionId !== null) executions.push(row);
  return { executions, claimedEventIds: rows[0]?.claimedEventIds ?? [], workflowIds: rows[0]?.workflowIds ?? {} };
}

// ── step 4: new workflows, deferred events taken out ──

const INSERT_WORKFLOWS = defineCommand(
  "ingest.insertWorkflows",
  `INSERT INTO workflows ("orgId", key, name) SELECT $1, k, k FROM unnest($2::text[]) AS k ORDER BY k ON CONFLICT ("orgId", key) DO NOTHING`,
);
const WORKFLOW_IDS = defineQuery("ingest.workflowIds", `SELECT id::text, key FROM workflows WHERE "orgId" = $1 AND key = ANY($2::text[])`, z.object({ id: z.string(), key: z.string() }));

/** Creates the workflows of these keys that do not exist yet (named after their key). */
export const insertWorkflows = (db: Queryable, orgId: string, keys: string[]) => INSERT_WORKFLOWS.run(db, [orgId, keys]);
/** The ids of these workflow keys (a statement of its own: one created concurrently is visible only to a later snapshot). */
export const workflowIdsOf = (db: Queryable, orgId: string, keys: string[]) => WORKFLOW_IDS.all(db, [orgId, keys]);

const RELEASE_DEFERRED = defineQuery(
  "ingest.releaseDeferred",
  `DELETE FROM deferred_events WHERE "orgId" = $1 AND "executionId" = ANY($2::text[]) RETURNING "executionId", "receivedAt", event, repeats`,
  z.object({ executionId: z.string(), receivedAt: z.date(), event: z.unknown(), repeats: z.number() }),
);

/** Takes the deferred events of these executions out of deferred_events. */
export const releaseDeferredRows = (db: Queryable, orgId: string, executionIds: string[]) => RELEASE_DEFERRED.all(db, [orgId, executionIds]);

// ── step 6: the batch's writes ──

const EXECUTION_RECORDSET = `x("executionId" text, "workflowId" bigint, status "ExecutionStatus", attempt int, "statusAttempt" int,
  "statusEventId" text, "statusChangedAt" timestamptz, "createdAt" timestamptz, "scheduledAt" timestamptz, "startedAt" timestamptz,
  "lastHeartbeatAt" timestamptz, "lastEventAt" timestamptz, "completedAt" timestamptz, "durationMs" bigint, error jsonb,
  "errorAt" timestamptz, "errorEventId" text, output jsonb, input jsonb, metadata jsonb, "continuedFromId" text,
  "continuedAsNewToId" text, "parentExecutionId" text)`;

/** The INSERT of the executions a batch creates, as one part of writeBatch's statement. */
function insertExecutionsSql(records: string): string {
  return `INSERT INTO executions ("orgId", "executionId", "workflowId", status, attempt, "statusAttempt", "statusEventId", "statusChangedAt",
       "createdAt", "scheduledAt", "startedAt", "lastHeartbeatAt", "lastEventAt", "completedAt", "durationMs", error, "errorAt",
       "errorEventId", output, input, metadata, "continuedFromId", "continuedAsNewToId", "parentExecutionId")
     SELECT $1, x."executionId", x."workflowId", x.status, x.attempt, x."statusAttempt", x."statusEventId", x."statusChangedAt",
       x."createdAt", x."scheduledAt", x."startedAt", x."lastHeartbeatAt", x."lastEventAt", x."completedAt", x."durationMs", x.error,
       x."errorAt", x."errorEventId", x.output, x.input, x.metadata, x."continuedFromId", x."continuedAsNewToId", x."parentExecutionId"
     FROM json_to_recordset(${records}) AS ${EXECUTION_RECORDSET}
     ORDER BY x."executionId"
     ON CONFLICT ("orgId", "executionId") DO NOTHING
     RETURNING "executionId"`;
}

/** The parts of a batch's write; each is a JSON-serializable list, written only when non-empty. */
export type BatchWrites = {
  /** new executions, sorted by executionId */
  inserts: unknown[];
  /** executions whose deferred events to delete */
  releaseIds: string[];
  /** changed executions, by internal id */
  updates: unknown[];
  heartbeats: unknown[];
  /** candidates for the incremental sweep (server/executions/stuck-recheck.ts) */
  rechecks: unknown[];
  repeats: { executionId: string; eventId: string; n: number }[];
  deferNow: unknown[];
  timeline: unknown[];
};

const BATCH_WRITE = defineDynamicQuery("ingest.writeBatch", z.object({ inserted: z.number().optional(), released: z.number().optional() }));

/**
 * Writes a decided batch in one statement made of the parts it needs: how many executions it
 * inserted (fewer than asked: a concurrent writer created one first) and deferred events it
 * deleted. Null when there was nothing to write.
 */
export async function writeBatch(db: Queryable, orgId: string, t: BatchWrites): Promise<{ inserted: number; released: number } | null> {
  const values: unknown[] = [orgId];
  const param = (rows: unknown[]) => {
    values.push(JSON.stringify(rows));
    return `$${values.length}::json`;
  };
  const parts: string[] = [];
  const counted: string[] = [];
  if (t.inserts.length) {
    parts.push(insertExecutionsSql(param(t.inserts)));
    counted.push(`(SELECT count(*) FROM w${parts.length - 1})::int AS inserted`);
  }
  if (t.releaseIds.length) {
    values.push(t.releaseIds);
    parts.push(`DELETE FROM deferred_events WHERE "orgId" = $1 AND "executionId" = ANY($${values.length}::text[]) RETURNING 1`);
    counted.push(`(SELECT count(*) FROM w${parts.length - 1})::int AS released`);
  }
  if (t.updates.length) {
    parts.push(`UPDATE executions e SET status = x.status, attempt = x.attempt, "statusAttempt" = x."statusAttempt",
         "statusEventId" = x."statusEventId", "statusChangedAt" = x."statusChangedAt", "createdAt" = x."createdAt",
         "scheduledAt" = x."scheduledAt", "startedAt" = x."startedAt", "lastHeartbeatAt" = x."lastHeartbeatAt",
         "lastEventAt" = x."lastEventAt", "completedAt" = x."completedAt", "durationMs" = x."durationMs", error = x.error,
         "errorAt" = x."errorAt", "errorEventId" = x."errorEventId", output = x.output, input = x.input, metadata = x.metadata,
         "continuedFromId" = x."continuedFromId", "continuedAsNewToId" = x."continuedAsNewToId",
         "parentExecutionId" = x."parentExecutionId", "updatedAt" = now()
       FROM json_to_recordset(${param(t.updates)}) AS x(id bigint, status "ExecutionStatus", attempt int, "statusAttempt" int, "statusEventId" text,
         "statusChangedAt" timestamptz, "createdAt" timestamptz, "scheduledAt" timestamptz, "startedAt" timestamptz,
         "lastHeartbeatAt" timestamptz, "lastEventAt" timestamptz, "completedAt" timestamptz, "durationMs" bigint, error jsonb,
         "errorAt" timestamptz, "errorEventId" text, output jsonb, input jsonb, metadata jsonb, "continuedFromId" text,
         "continuedAsNewToId" text, "parentExecutionId" text)
       WHERE e."orgId" = $1 AND e.id = x.id`);
  }
  if (t.heartbeats.length) {
    parts.push(`INSERT INTO execution_heartbeats AS h ("orgId", "executionId", attempt, count, "firstOccurredAt", "lastOccurredAt", "waitedMs")
       SELECT $1, x."executionId", x.attempt, x.count, x."firstOccurredAt", x."lastOccurredAt", x."waitedMs"
       FROM json_to_recordset(${param(t.heartbeats)}) AS x("executionId" text, attempt int, count int, "firstOccurredAt" timestamptz,
         "lastOccurredAt" timestamptz, "waitedMs" int)
       ON CONFLICT ("orgId", "executionId", attempt) DO UPDATE SET count = h.count + EXCLUDED.count,
         "firstOccurredAt" = LEAST(h."firstOccurredAt", EXCLUDED."firstOccurredAt"),
         "lastOccurredAt" = GREATEST(h."lastOccurredAt", EXCLUDED."lastOccurredAt"),
         "waitedMs" = GREATEST(h."waitedMs", EXCLUDED."waitedMs")`);
  }
  if (t.rechecks.length) parts.push(recheckInsertSql(param(t.rechecks)));
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
  if (!parts.length) return null;
  const ctes = parts.map((sql, i) => `w${i} AS (${sql})`);
  const row = await BATCH_WRITE.one(db, { text: `WITH ${ctes.join(", ")} SELECT ${counted.length ? counted.join(", ") : "1"}`, values });
  return { inserted: row.inserted ?? 0, released: row.released ?? 0 };
}

// ── the contended rows, locked in one global order: hourly buckets, then workflow counters ──

const UPSERT_HOURLY = defineCommand(
  "ingest.upsertHourly",
  `INSERT INTO execution_hourly ("orgId", "workflowId", hour, status, count, "durationSumMs", histogram)
   SELECT $1, x."workflowId", x.hour, x.status, x.count, x."durationSumMs", x.histogram
   FROM json_to_recordset($2::json) AS x("workflowId" bigint, hour timestamptz, status "ExecutionStatus", count int,
     "durationSumMs" bigint, histogram int[])
   ORDER BY x."workflowId", x.hour, x.status
   ON CONFLICT ("orgId", "workflowId", hour, status) DO UPDATE SET
     count = execution_hourly.count + EXCLUDED.count,
     "durationSumMs" = execution_hourly."durationSumMs" + EXCLUDED."durationSumMs",
     histogram = ARRAY(SELECT a + b FROM unnest(execution_hourly.histogram, EXCLUDED.histogram) AS t(a, b))`,
);
const DELETE_EMPTY_HOURLY = defineCommand(
  "ingest.deleteEmptyHourly",
  `DELETE FROM execution_hourly h USING json_to_recordset($2::json) AS x("workflowId" bigint, hour timestamptz, status "ExecutionStatus")
   WHERE h."orgId" = $1 AND h."workflowId" = x."workflowId" AND h.hour = x.hour AND h.status = x.status AND h.count = 0`,
);

export type HourlyDelta = { workflowId: string; hour: Date; status: string; count: number; durationSumMs: number; histogram: number[] };

/** Adds these deltas to the hourly aggregate (in key order). */
export const upsertHourly = (db: Queryable, orgId: string, rows: HourlyDelta[]) => UPSERT_HOURLY.run(db, [orgId, JSON.stringify(rows)]);
/** Deletes the buckets of these keys that are left empty: a recount has no such row. */
export const deleteEmptyHourly = (db: Queryable, orgId: string, keys: Pick<HourlyDelta, "workflowId" | "hour" | "status">[]) =>
  DELETE_EMPTY_HOURLY.run(db, [orgId, JSON.stringify(keys)]);

// FOR NO KEY UPDATE, not FOR UPDATE: executions inserted earlier in the transaction hold KEY
// SHARE locks on their workflows (foreign key), which FOR UPDATE would conflict with.
const LOCK_WORKFLOWS = defineCommand("ingest.lockWorkflows", `SELECT 1 FROM workflows WHERE "orgId" = $1 AND id = ANY($2::bigint[]) ORDER BY id FOR NO KEY UPDATE`);
const ADD_COUNTERS = defineCommand(
  "ingest.addCounters",
  `UPDATE workflows w SET "executionCount" = w."executionCount" + x."executionCount",
     "successCount" = w."successCount" + x."successCount", "failureCount" = w."failureCount" + x."failureCount",
     "cancelledCount" = w."cancelledCount" + x."cancelledCount",
     "lastExecutionAt" = GREATEST(w."lastExecutionAt", x."lastExecutionAt"), "updatedAt" = now()
   FROM json_to_recordset($2::json) AS x(id bigint, "executionCount" int, "successCount" int, "failureCount" int,
     "cancelledCount" int, "lastExecutionAt" timestamptz)
   WHERE w."orgId" = $1 AND w.id = x.id`,
);

export type CounterDeltaRow = { id: string; executionCount: number; successCount: number; failureCount: number; cancelledCount: number; lastExecutionAt: Date | null };

/** Locks these workflow rows in id order (the caller sorts them). */
export const lockWorkflows = (db: Queryable, orgId: string, sortedIds: string[]) => LOCK_WORKFLOWS.run(db, [orgId, sortedIds]);
/** Adds these deltas to the workflows' counters. */
export const addWorkflowCounters = (db: Queryable, orgId: string, rows: CounterDeltaRow[]) => ADD_COUNTERS.run(db, [orgId, JSON.stringify(rows)]);
