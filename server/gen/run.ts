// The data generator's database side: creates the organizations and workflows, streams the
// executions, their timeline and the processed-event claims in with COPY, chunk by chunk in
// time order, flushes the hourly aggregate as hours close, and writes the workflow counters at
// the end. Counters and the hourly aggregate are accumulated from the very rows written, so they
// equal a recount. Into empty tables, secondary indexes and foreign keys are dropped first and
// rebuilt once at the end (one sorted build beats millions of index insertions).
import { randomUUID } from "node:crypto";
import pg from "pg";
import { rebuildRollups } from "../aggregates/rollups";
import { DEFAULT_THRESHOLDS, effectiveThresholds, stuckVerdict } from "../executions/stuck";
import { addDuration, emptyTotals, HOUR_MS as HOUR, hourlyContribution, hourlyKey, type DurationTotals } from "../aggregates/hourly";
import { CopyBuffer } from "./copy";
import {
  addConstraint,
  advanceEventIds,
  analyze,
  createIndex,
  databaseBytes,
  dropConstraint,
  dropIndex,
  existingSlugs,
  firstFreeEventId,
  hasRows,
  insertOrgs,
  insertWorkflows,
  keysOf,
  rebuildMemory,
  reserveExecutionIds,
  secondaryIndexesOf,
  setCounters,
  skipCommitFlush,
  setUtcTimeZone,
} from "./queries";
import { generateExecution, type GeneratedExecution } from "./execution";
import { buildPlan, type GenOptions, type Plan, type PlannedWorkflow } from "./plan";
import { ProgressBar, formatDuration } from "./progress";
import { createRng, WeightedPicker } from "./random";

const TABLES = ["executions", "execution_events", "processed_events"] as const;

export type GenRunOptions = GenOptions & {
  databaseUrl: string;
  /** executions per COPY round */
  chunkSize: number;
  /** drop and rebuild indexes when the tables start empty (default true) */
  deferIndexes: boolean;
  vacuum: boolean;
  /** silence the progress bar (tests) */
  quiet?: boolean;
};

export type GenReport = {
  executions: number;
  events: number;
  processedEvents: number;
  hourlyRows: number;
  orgs: { slug: string; id: string; executions: number }[];
  largestOrg: { slug: string; executions: number };
  statusCounts: Record<string, number>;
  stuck: number;
  indexesDeferred: boolean;
  seconds: { generateAndCopy: number; indexes: number; finish: number; total: number };
  rowsPerSecond: number;
  executionsPerSecond: number;
  databaseBytes: number;
};

type WorkflowRow = PlannedWorkflow & { id: string; orgId: string };

type Counters = { executionCount: number; successCount: number; failureCount: number; cancelledCount: number; lastExecutionAt: number };

type HourlyCell = { orgId: string; workflowId: string; hour: Date; status: string } & DurationTotals;

const EXECUTION_COLUMNS = [
  "orgId", "id", "executionId", "workflowId", "status", "attempt", "statusAttempt", "statusEventId", "statusChangedAt", "createdAt",
  "scheduledAt", "startedAt", "lastHeartbeatAt", "lastEventAt", "completedAt", "durationMs", "error", "errorAt", "errorEventId", "input",
  "output", "metadata", "continuedFromId", "continuedAsNewToId", "parentExecutionId", "updatedAt",
];
const EVENT_COLUMNS = [
  "orgId", "id", "executionId", "eventId", "type", "status", "attempt", "occurredAt", "receivedAt", "outcome", "reason",
  "statusBefore", "statusAfter", "payload",
];
const PROCESSED_COLUMNS = ["orgId", "eventId", "executionId", "receivedAt"];
const HOURLY_COLUMNS = ["orgId", "workflowId", "hour", "status", "count", "durationSumMs", "histogram"];

export async function runGenerator(opts: GenRunOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<GenReport> {
  const t0 = Date.now();
  const plan = buildPlan(opts);
  const admin = new pg.Client({ connectionString: opts.databaseUrl });
  // a lost connection fails the statement in flight; without listeners it would crash the process
  admin.on("error", () => {});
  await admin.connect();
  const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: TABLES.length });
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  let deferred: Deferred | null = null;
  try {
    await setUtcTimeZone(admin);
    const { orgIds, workflows } = await createOrgsAndWorkflows(admin, plan);
    const empty = await tablesEmpty(admin);
    if (opts.deferIndexes && empty) {
      deferred = await dropDeferrable(admin);
      log(`gen: tables are empty; dropped ${deferred.indexes.length} indexes and ${deferred.constraints.length} constraints, rebuilt after the load`);
    } else if (opts.deferIndexes) {
      log("gen: tables already hold rows; indexes stay in place (slower)");
    }
    const ids = await reserveIds(admin, opts.executions);

    const clients = await Promise.all(TABLES.map(() => pool.connect()));
    for (const c of clients) await skipCommitFlush(c);
    const stats = await generateAndCopy(plan, opts, orgIds, workflows, ids, clients, log);
    clients.forEach((c) => c.release());
    const tCopy = Date.now();

    if (deferred) {
      log(`gen: rebuilding ${deferred.indexes.length + deferred.constraints.length} indexes and constraints …`);
      await rebuild(admin, deferred, log);
      deferred = null;
    }
    const tIndexes = Date.now();

    await writeCounters(admin, workflows, stats.counters);
    // the daily and created-at rollups and running totals: one recount of what was written
    log(`gen: rebuilding rollups and running totals …`);
    await admin.query("BEGIN");
    await rebuildRollups(admin, null);
    await admin.query("COMMIT");
    await advanceEventIds(admin, stats.lastEventId);
    log(`gen: ${opts.vacuum ? "VACUUM ANALYZE" : "ANALYZE"} …`);
    for (const t of [...TABLES, "execution_hourly", "execution_daily", "execution_created_rollup", "org_execution_totals", "workflows"]) await analyze(admin, t, opts.vacuum);
    const bytes = await databaseBytes(admin);
    const tEnd = Date.now();

    const largest = stats.perOrg.reduce((best, n, i) => (n > stats.perOrg[best]! ? i : best), 0);
    const totalRows = stats.executions + stats.events + stats.processed + stats.hourlyRows;
    return {
      executions: stats.executions,
      events: stats.events,
      processedEvents: stats.processed,
      hourlyRows: stats.hourlyRows,
      orgs: plan.orgs.map((o) => ({ slug: o.slug, id: orgIds[o.index]!, executions: stats.perOrg[o.index]! })),
      largestOrg: { slug: plan.orgs[largest]!.slug, executions: stats.perOrg[largest]! },
      statusCounts: stats.statusCounts,
      stuck: stats.stuck,
      indexesDeferred: opts.deferIndexes && empty,
      seconds: {
        generateAndCopy: (tCopy - t0) / 1000,
        indexes: (tIndexes - tCopy) / 1000,
        finish: (tEnd - tIndexes) / 1000,
        total: (tEnd - t0) / 1000,
      },
      rowsPerSecond: Math.round(totalRows / ((tCopy - t0) / 1000)),
      executionsPerSecond: Math.round(stats.executions / ((tEnd - t0) / 1000)),
      databaseBytes: bytes,
    };
  } finally {
    if (deferred) {
      // a failed load still leaves a usable schema behind
      log("gen: the load failed; rebuilding the dropped indexes and constraints on what was written");
      await rebuild(admin, deferred, log).catch((err) => log(`gen: could not rebuild: ${(err as Error).message}`));
    }
    await pool.end();
    await admin.end();
  }
}

async function createOrgsAndWorkflows(client: pg.Client, plan: Plan): Promise<{ orgIds: string[]; workflows: WorkflowRow[] }> {
  const slugs = plan.orgs.map((o) => o.slug);
  const existing = await existingSlugs(client, slugs);
  if (existing.length) {
    throw new Error(`organization ${existing[0]!} already exists; generate into an empty database or pass another --org-prefix`);
  }
  const orgIds = plan.orgs.map(() => randomUUID());
  await insertOrgs(client, { ids: orgIds, slugs, names: plan.orgs.map((o) => o.name) });
  const ids = await insertWorkflows(client, {
    orgIds: plan.workflows.map((w) => orgIds[w.orgIndex]!),
    keys: plan.workflows.map((w) => w.key),
    names: plan.workflows.map((w) => w.name),
    stuckScheduled: plan.workflows.map((w) => w.stuckScheduledAfterSeconds),
    stuckRunning: plan.workflows.map((w) => w.stuckRunningAfterSeconds),
    createdAt: new Date(plan.startMs - 7 * 24 * HOUR),
  });
  // in the order given (queries.ts, insertWorkflows)
  const workflows = plan.workflows.map((w, i) => ({ ...w, id: ids[i]!, orgId: orgIds[w.orgIndex]! }));
  return { orgIds, workflows };
}

async function tablesEmpty(client: pg.Client): Promise<boolean> {
  for (const t of TABLES) if (await hasRows(client, t)) return false;
  return true;
}

type Deferred = { indexes: { name: string; def: string }[]; constraints: { table: string; name: string; def: string }[] };

/** Drops the loaded tables' foreign keys, primary keys and secondary indexes, remembering their definitions. */
async function dropDeferrable(client: pg.Client): Promise<Deferred> {
  const constraints = await keysOf(client, TABLES);
  const indexes = await secondaryIndexesOf(client, TABLES);
  await client.query("BEGIN");
  // foreign keys first: a primary key cannot go while a foreign key leans on it
  const ordered = [...constraints].sort((a, b) => (a.contype === "f" ? -1 : 0) - (b.contype === "f" ? -1 : 0));
  for (const c of ordered) await dropConstraint(client, c.table, c.name);
  for (const i of indexes) await dropIndex(client, i.name);
  await client.query("COMMIT");
  // primary and unique keys are rebuilt before foreign keys and secondary indexes
  const rank = (c: { def: string }) => (c.def.startsWith("FOREIGN KEY") ? 1 : 0);
  return { indexes, constraints: ordered.sort((a, b) => rank(a) - rank(b)).map(({ table, name, def }) => ({ table, name, def })) };
}

async function rebuild(client: pg.Client, d: Deferred, log: (line: string) => void): Promise<void> {
  await rebuildMemory(client);
  for (const c of d.constraints) {
    const t = Date.now();
    await addConstraint(client, c.table, c.name, c.def);
    log(`gen:   ${c.name} ${formatDuration((Date.now() - t) / 1000)}`);
  }
  for (const i of d.indexes) {
    const t = Date.now();
    await createIndex(client, i.def);
    log(`gen:   ${i.name} ${formatDuration((Date.now() - t) / 1000)}`);
  }
}

/** Takes a block of execution ids from the sequence, so concurrent ingestion cannot collide with them. */
async function reserveIds(client: pg.Client, n: number): Promise<{ firstExecutionId: bigint; firstEventId: bigint }> {
  return { firstExecutionId: await reserveExecutionIds(client, n), firstEventId: await firstFreeEventId(client) };
}

type Stats = {
  executions: number;
  events: number;
  processed: number;
  hourlyRows: number;
  lastEventId: string;
  perOrg: number[];
  statusCounts: Record<string, number>;
  stuck: number;
  counters: Map<number, Counters>;
};

async function generateAndCopy(
  plan: Plan,
  opts: GenRunOptions,
  orgIds: string[],
  workflows: WorkflowRow[],
  ids: { firstExecutionId: bigint; firstEventId: bigint },
  clients: pg.PoolClient[],
  log: (line: string) => void,
): Promise<Stats> {
  const rng = createRng(opts.seed ^ 0x5eed);
  const orgPicker = new WeightedPicker(plan.orgs.map((o) => o.weight));
  const wfPickers = plan.workflowsByOrg.map((g) => new WeightedPicker(g.weights));
  const now = opts.now;
  const nowMs = now.getTime();
  const executions = new CopyBuffer("executions", EXECUTION_COLUMNS);
  const events = new CopyBuffer("execution_events", EVENT_COLUMNS);
  const processed = new CopyBuffer("processed_events", PROCESSED_COLUMNS);
  const hourlyBuffer = new CopyBuffer("execution_hourly", HOURLY_COLUMNS);
  const counters = new Map<number, Counters>();
  const hourly = new Map<string, HourlyCell>();
  const recentByOrg: string[][] = plan.orgs.map(() => []);
  const stats: Stats = { executions: 0, events: 0, processed: 0, hourlyRows: 0, lastEventId: "0", perOrg: plan.orgs.map(() => 0), statusCounts: {}, stuck: 0, counters };
  const bar = opts.quiet ? null : new ProgressBar(opts.executions);
  let seq = 0;
  let eventId = ids.firstEventId;
  let totalRows = 0;
  let successorOf: { wf: WorkflowRow; executionId: string; createdAt: Date; receivedAt: Date } | null = null;

  const flushHourly = (beforeHourMs: number) => {
    for (const [key, c] of hourly) {
      if (c.hour.getTime() >= beforeHourMs) continue;
      hourlyBuffer.add([c.orgId, c.workflowId, c.hour, c.status, c.count, c.durationSumMs, c.histogram]);
      hourly.delete(key);
    }
  };

  const emit = (g: GeneratedExecution, wf: WorkflowRow) => {
    const s = g.state;
    const id = ids.firstExecutionId + BigInt(seq - 1);
    executions.add([
      wf.orgId, id, g.executionId, wf.id, s.status, s.attempt, s.statusAttempt, s.statusEventId, s.statusChangedAt, s.createdAt,
      s.scheduledAt, s.startedAt, s.lastHeartbeatAt, s.lastEventAt, s.completedAt, s.durationMs, s.error, s.errorAt, s.errorEventId,
      g.input, s.output, g.metadata, g.continuedFromId, s.continuedAsNewToId, g.parentExecutionId, g.updatedAt,
    ]);
    for (const e of g.events) {
      events.add([
        wf.orgId, eventId++, g.executionId, e.eventId, e.type, e.status, e.attempt, e.occurredAt, e.receivedAt, e.outcome, e.reason,
        e.statusBefore, e.statusAfter, e.payload,
      ]);
      if (e.claims) processed.add([wf.orgId, e.eventId, g.executionId, e.receivedAt]);
    }
    const c = counters.get(wf.index) ?? { executionCount: 0, successCount: 0, failureCount: 0, cancelledCount: 0, lastExecutionAt: 0 };
    c.executionCount++;
    if (s.status === "COMPLETED") c.successCount++;
    else if (s.status === "FAILED" || s.status === "TIMED_OUT") c.failureCount++;
    else if (s.status === "CANCELLED") c.cancelledCount++;
    c.lastExecutionAt = Math.max(c.lastExecutionAt, s.createdAt.getTime());
    counters.set(wf.index, c);
    const contribution = hourlyContribution(s);
    if (contribution) {
      const key = hourlyKey(wf.id, contribution);
      let cell = hourly.get(key);
      if (!cell) hourly.set(key, (cell = { orgId: wf.orgId, workflowId: wf.id, hour: contribution.hour, status: contribution.status, ...emptyTotals() }));
      addDuration(cell, contribution.durationMs);
    }
    stats.statusCounts[s.status] = (stats.statusCounts[s.status] ?? 0) + 1;
    if (isStuck(g, wf, now)) stats.stuck++;
    stats.perOrg[wf.orgIndex]!++;
  };

  const copyChunk = async (closedBeforeMs: number) => {
    flushHourly(closedBeforeMs);
    const counts = await Promise.all([executions.flush(clients[0]!), events.flush(clients[1]!), processed.flush(clients[2]!)]);
    stats.executions += counts[0];
    stats.events += counts[1];
    stats.processed += counts[2];
    stats.hourlyRows += await hourlyBuffer.flush(clients[0]!);
    totalRows += counts[0] + counts[1] + counts[2];
    bar?.update(stats.executions, totalRows, true);
  };

  let inChunk = 0;
  for (let h = 0; h < plan.perHour.length; h++) {
    const n = plan.perHour[h]!;
    const hourStart = plan.startMs + h * HOUR;
    const hourEnd = Math.min(nowMs, hourStart + HOUR);
    const times = new Float64Array(n);
    for (let i = 0; i < n; i++) times[i] = hourStart + rng.next() * (hourEnd - hourStart);
    times.sort();
    for (let i = 0; i < n; i++) {
      seq++;
      const isLast = seq === opts.executions;
      let wf: WorkflowRow;
      let createdAt: Date;
      let continuedFrom: { executionId: string; receivedAt: Date } | null = null;
      if (successorOf) {
        wf = successorOf.wf;
        createdAt = successorOf.createdAt;
        continuedFrom = { executionId: successorOf.executionId, receivedAt: successorOf.receivedAt };
      } else {
        const orgIndex = orgPicker.pick(rng);
        const group = plan.workflowsByOrg[orgIndex]!;
        wf = workflows[group.indexes[wfPickers[orgIndex]!.pick(rng)]!]!;
        createdAt = new Date(Math.round(times[i]!));
      }
      const executionId = `${wf.short}-${seq.toString(36)}`;
      const recent = recentByOrg[wf.orgIndex]!;
      const parentExecutionId = recent.length && rng.chance(0.05) ? rng.pick(recent) : null;
      const g = generateExecution(rng, {
        executionId,
        workflow: wf,
        createdAt,
        now,
        continuedFrom,
        successorId: isLast ? null : `${wf.short}-${(seq + 1).toString(36)}`,
        parentExecutionId,
      });
      successorOf = null;
      if (g.state.status === "CONTINUED_AS_NEW") {
        const canEvent = g.events.find((e) => e.status === "CONTINUED_AS_NEW" && e.outcome === "APPLIED")!;
        successorOf = { wf, executionId, createdAt: g.successorCreatedAt!, receivedAt: canEvent.receivedAt };
      }
      emit(g, wf);
      if (recent.length < 64) recent.push(executionId);
      else recent[seq % 64] = executionId;
      inChunk++;
    }
    // chunks end on hour boundaries; hours before the next one are complete except for runs
    // still to finish, and every later execution is created at or after the boundary
    if (inChunk >= opts.chunkSize || h === plan.perHour.length - 1) {
      const boundary = h === plan.perHour.length - 1 ? Infinity : Math.min(hourStart + HOUR, successorOf ? successorOf.createdAt.getTime() : Infinity);
      await copyChunk(Number.isFinite(boundary) ? Math.floor(boundary / HOUR) * HOUR : Infinity);
      inChunk = 0;
    }
  }
  bar?.finish();
  log(`gen: ${stats.executions} executions, ${stats.events} events, ${stats.processed} processed events, ${stats.hourlyRows} hourly rows`);
  stats.lastEventId = (eventId - 1n).toString();
  return stats;
}

function isStuck(g: GeneratedExecution, wf: PlannedWorkflow, now: Date): boolean {
  const thresholds = effectiveThresholds(DEFAULT_THRESHOLDS, wf);
  return stuckVerdict(g.state, thresholds, now) !== null;
}

async function writeCounters(client: pg.Client, workflows: WorkflowRow[], counters: Map<number, Counters>): Promise<void> {
  const entries = [...counters.entries()];
  await setCounters(client, {
    ids: entries.map(([i]) => workflows[i]!.id),
    executions: entries.map(([, c]) => c.executionCount),
    successes: entries.map(([, c]) => c.successCount),
    failures: entries.map(([, c]) => c.failureCount),
    cancelled: entries.map(([, c]) => c.cancelledCount),
    lastExecutionAt: entries.map(([, c]) => new Date(c.lastExecutionAt)),
  });
}
