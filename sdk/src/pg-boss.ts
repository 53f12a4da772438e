// @runwatch/node/pg-boss: reports the jobs of a pg-boss instance from its job table. pg-boss
// has no stream of state changes, so the connector polls the rows that changed (by their
// created/started/completed/heartbeat times) and derives each job's events from its row. Event
// ids are derived from the job id, the status and the attempt, so reading a row twice (an
// overlapping poll, a restart that re-reads its look-back window) only produces duplicates.
// What a row cannot tell (an attempt's start that was overwritten by a later one, the error of
// an attempt other than the last) is listed in the README.
import type { PgBoss } from "pg-boss";
import { type Logger, type Runwatch, type SendEvent, jsonField } from "./client.js";

export type WatchPgBossOptions = {
  /** a started pg-boss instance; its database connection is used for the reads */
  boss: PgBoss;
  runwatch: Runwatch;
  /** the queues to report; default all */
  queues?: string[];
  /** pg-boss's schema; default "pgboss" */
  schema?: string;
  /** the workflow key; default `<queue>` */
  workflow?: string | ((job: { queue: string }) => string);
  /** how often the job table is read; default 500 ms */
  pollMs?: number;
  /** on start, re-read rows that changed this long ago (their events are duplicates if already sent); default 24 h */
  lookbackMs?: number;
  /** send job.data as the execution's input (≤ 64 KiB); default true */
  includeData?: boolean;
  logger?: Logger;
};

type JobRow = {
  id: string;
  name: string;
  state: "created" | "retry" | "active" | "completed" | "cancelled" | "failed";
  retry_count: number;
  data: unknown;
  output: unknown;
  created_on: Date;
  started_on: Date | null;
  completed_on: Date | null;
  heartbeat_on: Date | null;
  changed_on: Date;
};

/** Everything a pg-boss row says about its job, as Runwatch events (pure; exported for tests). */
export function eventsOfJob(row: JobRow, workflow: string, includeData = true): SendEvent[] {
  const executionId = `${row.name}:${row.id}`;
  const id = (status: string, attempt: number) => `pgboss:${row.id}:${status}:${attempt}`;
  const base = { executionId, workflow };
  // retry_count counts the retries fetched so far: the attempt running (or last run) is one more
  const attempt = row.retry_count + 1;
  const errorOf = (output: unknown) => {
    if (output && typeof output === "object" && "message" in output) {
      const o = output as { message?: unknown; stack?: unknown };
      return { message: String(o.message), ...(typeof o.stack === "string" ? { stack: o.stack } : {}) };
    }
    return { message: output === null || output === undefined ? "failed" : JSON.stringify(output).slice(0, 60_000) };
  };
  const events: SendEvent[] = [
    {
      ...base,
      eventId: id("PENDING", 1),
      status: "PENDING",
      attempt: 1,
      occurredAt: row.created_on,
      metadata: { queue: row.name, jobId: row.id },
      ...(includeData && row.data !== null && row.data !== undefined ? { input: jsonField(row.data) } : {}),
    },
  ];
  const started = row.started_on !== null && row.state !== "created";
  // an attempt after the first was queued again when the one before it failed
  if (attempt > 1 && started && row.state !== "retry") {
    events.push({ ...base, eventId: id("PENDING", attempt), status: "PENDING", attempt, occurredAt: row.started_on!, error: { message: "a previous attempt failed", code: "ATTEMPT_FAILED" } });
  }
  if (started) events.push({ ...base, eventId: id("RUNNING", attempt), status: "RUNNING", attempt, occurredAt: row.started_on! });
  switch (row.state) {
    case "retry":
      // this attempt failed and the next one waits: its error is the row's output
      events.push({ ...base, eventId: id("PENDING", attempt + 1), status: "PENDING", attempt: attempt + 1, occurredAt: row.completed_on ?? row.changed_on, error: { ...errorOf(row.output), code: "ATTEMPT_FAILED" } });
      break;
    case "active":
      if (row.heartbeat_on && row.started_on && row.heartbeat_on > row.started_on) {
        events.push({ executionId, type: "heartbeat", attempt, occurredAt: row.heartbeat_on });
      }
      break;
    case "completed":
      events.push({ ...base, eventId: id("COMPLETED", attempt), status: "COMPLETED", attempt, occurredAt: row.completed_on ?? row.changed_on, ...(row.output != null ? { output: jsonField(row.output) } : {}) });
      break;
    case "failed":
      events.push({ ...base, eventId: id("FAILED", attempt), status: "FAILED", attempt, occurredAt: row.completed_on ?? row.changed_on, error: errorOf(row.output) });
      break;
    case "cancelled":
      events.push({ ...base, eventId: id("CANCELLED", attempt), status: "CANCELLED", attempt, occurredAt: row.completed_on ?? row.changed_on });
      break;
  }
  return events;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
// a row's newest time; rows whose transaction began earlier may commit later, so each poll
// re-reads a little of what the previous one saw (their events are duplicates)
const OVERLAP_MS = 2000;
const PAGE = 1000;

export async function watchPgBoss(options: WatchPgBossOptions): Promise<() => Promise<void>> {
  const { boss, runwatch } = options;
  const schema = options.schema ?? "pgboss";
  if (!IDENT.test(schema)) throw new Error(`watchPgBoss: schema must be a plain SQL identifier, got ${JSON.stringify(schema)}`);
  const log: Logger = options.logger ?? (() => {});
  const workflowOf = (queue: string) => (typeof options.workflow === "function" ? options.workflow({ queue }) : (options.workflow ?? queue));
  const db = boss.getDb();
  const changed = `GREATEST(created_on, started_on, completed_on, heartbeat_on)`;
  let since = new Date(Date.now() - (options.lookbackMs ?? 24 * 3600_000));
  let stopped = false;
  // a row is read again whenever it changes (and by the overlap): remember per job what was
  // sent, until it is final and out of the overlap, so each event goes once
  const sent = new Map<string, { keys: Set<string>; at: number; final: boolean }>();
  const keyOf = (e: SendEvent) => e.eventId ?? `hb:${e.executionId}:${e.attempt}:${String(e.occurredAt instanceof Date ? e.occurredAt.getTime() : e.occurredAt)}`;

  async function poll(): Promise<void> {
    for (;;) {
      const { rows } = (await db.executeSql(
        `SELECT id, name, state::text AS state, retry_count, data, output, created_on, started_on, completed_on, heartbeat_on, ${changed} AS changed_on
           FROM ${schema}.job
          WHERE ${changed} > $1 AND ($2::text[] IS NULL OR name = ANY($2::text[]))
          ORDER BY ${changed}, id LIMIT ${PAGE}`,
        [new Date(since.getTime() - OVERLAP_MS), options.queues ?? null],
      )) as { rows: JobRow[] };
      for (const row of rows) {
        const job = sent.get(row.id) ?? { keys: new Set<string>(), at: 0, final: false };
        sent.set(row.id, job);
        job.at = new Date(row.changed_on).getTime();
        job.final = row.state === "completed" || row.state === "failed" || row.state === "cancelled";
        for (const event of eventsOfJob({ ...row, created_on: new Date(row.created_on), changed_on: new Date(row.changed_on) }, workflowOf(row.name), options.includeData ?? true)) {
          const key = keyOf(event);
          if (job.keys.has(key)) continue;
          job.keys.add(key);
          runwatch.send(event);
        }
      }
      const newest = rows.at(-1)?.changed_on;
      if (newest && new Date(newest) > since) since = new Date(newest);
      for (const [id, job] of sent) if (job.final && job.at < since.getTime() - 2 * OVERLAP_MS) sent.delete(id);
      // a full page means more rows changed in the same instant range: read on
      if (rows.length < PAGE || stopped) return;
    }
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  let polling: Promise<void> | undefined;
  const loop = () => {
    polling = poll()
      .catch((err) => log("warn", `could not read pg-boss's job table`, { err: String(err) }))
      .finally(() => {
        polling = undefined;
        if (!stopped) timer = setTimeout(loop, options.pollMs ?? 500);
      });
  };
  loop();

  return async function stop() {
    stopped = true;
    clearTimeout(timer);
    await polling;
    await poll().catch(() => {});
    // what the last poll queued is the Runwatch client's to deliver: close() it when done
  };
}
