// Bulk actions on executions: mark cancelled or failed, acknowledge or resolve their open alerts,
// for chosen execution ids or for "all N matching this filter". A job row records the request
// and its progress; the work runs in this process after the request returns, in keyset chunks
// of CHUNK executions (one transaction each), so 100k matches never hold one long transaction.
// The request is audited once, with its filter and count; the executions' own timelines show
// each change (the events carry the job's id), and no per-execution audit entry is written.
//
// A job survives its process. The row holds where the walk stands (resume: the keyset cursor or
// the index into the chosen ids, the snapshot, the resolved filter, the actor) and, while a chunk
// of status events is being applied, that chunk (pending). Alert chunks commit their changes and
// their progress in one transaction; status chunks go through ingestion (a transaction of its
// own), so their event ids are derived from the job and the execution: a chunk replayed after a
// crash is answered "duplicate" where it had already been applied, and counts as changed once.
// The process running a job holds a lease on it (renewed every chunk); resumeBulkJobs, called at
// boot and every LEASE_MS, takes over running jobs whose lease expired.
import { createHash } from "node:crypto";
import type { Pool, PoolClient } from "pg";
import { z } from "zod";
import { acknowledgeAlertIn, resolveAlertIn } from "../alerts/service";
import type { Actor } from "../audit/service";
import { pool } from "../db/client";
import { withTransaction } from "../db/transaction";
import { BadRequestError, NotFoundError } from "../errors";
import { ingestEvents } from "../ingest/service";
import { log } from "../log";
import { audited } from "../rbac/audited";
import { operateReasonSchema } from "./operate";
import { countExecutionsCapped, latestExecutionId, selectExecutionPage, type Cursor, type ListFilter } from "../executions/read";
import { ACTIVE_STATUSES, type Status } from "../executions/status";

export const BULK_ACTIONS = ["cancel", "markFailed", "acknowledgeAlerts", "resolveAlerts"] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** Executions per chunk (and per transaction). */
export const BULK_CHUNK = 500;
/** More matches than this is refused: narrow the filter (the count query stops here). */
export const BULK_MAX = 100_000;
/** Ids a request may name; the list's page holds at most 200. */
export const BULK_MAX_IDS = 200;
/** A running job whose progress has not moved for this long is reported as stalled (its process died). */
export const BULK_STALL_MS = 5 * 60_000;
/** How long a process holds a job without renewing; then another (or the next boot) resumes it. */
export const BULK_LEASE_MS = 60_000;

const ACTION: Record<BulkAction, { audit: string; label: string }> = {
  cancel: { audit: "execution.bulk_cancel", label: "mark cancelled" },
  markFailed: { audit: "execution.bulk_mark_failed", label: "mark failed" },
  acknowledgeAlerts: { audit: "alert.bulk_acknowledge", label: "acknowledge alerts" },
  resolveAlerts: { audit: "alert.bulk_resolve", label: "resolve alerts" },
};

export const bulkTargetSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("ids"), executionIds: z.array(z.string().min(1).max(200)).min(1, "choose at least one execution").max(BULK_MAX_IDS) }),
  /** the list's filter query string, as the page holds it (server/dashboard/filters.ts) */
  z.object({ kind: z.literal("filter"), query: z.string().max(4000) }),
  /** chosen alerts (the alert center); only for the alert actions */
  z.object({ kind: z.literal("alerts"), alertIds: z.array(z.string().regex(/^\d{1,19}$/, "an alert id is numeric")).min(1, "choose at least one alert").max(BULK_MAX_IDS) }),
]);
export type BulkTarget = z.infer<typeof bulkTargetSchema>;

export const bulkJobSchema = z.object({
  jobId: z.string(),
  action: z.enum(BULK_ACTIONS),
  state: z.enum(["running", "done", "failed", "stalled"]),
  filterQuery: z.string().nullable(),
  total: z.number().int(),
  processed: z.number().int(),
  changed: z.number().int(),
  skipped: z.number().int(),
  error: z.string().nullable(),
  createdAt: z.date(),
  finishedAt: z.date().nullable(),
});
export type BulkJob = z.infer<typeof bulkJobSchema>;

export type BulkCaller = { orgId: string; actor: Actor; ip?: string | null; userAgent?: string | null };

/** What a chunk works on. */
type Target = { id: string; createdAt: Date; executionId: string; attempt: number; status: Status };
const TARGET_COLUMNS = `e.id, e."createdAt", e."executionId", e.attempt, e.status`;

/**
 * Which executions a job walks. Every action works on active executions: a terminal status is
 * final, and open alerts belong to executions still stuck (alerts of ended ones are resolved).
 */
function activeOnly(filter: ListFilter): ListFilter {
  const statuses = (filter.statuses ?? [...ACTIVE_STATUSES]).filter((s) => (ACTIVE_STATUSES as readonly string[]).includes(s));
  return { ...filter, statuses };
}

const running = new Set<Promise<void>>();

/** Resolves when every job started by this process has finished (tests, graceful stop). */
export async function settleBulkJobs(): Promise<void> {
  while (running.size) await Promise.allSettled([...running]);
}

/**
 * Starts a job: counts its targets, writes the job row and the one audit entry, and runs the job
 * in the background. `filter` is the resolved list filter when target.kind is "filter".
 */
export async function startBulkJob(
  caller: BulkCaller,
  action: BulkAction,
  target: BulkTarget,
  filter: ListFilter | null,
  rawReason: string,
  opts: { chunk?: number; abandonAt?: AbandonAt } = {},
): Promise<BulkJob> {
  const chunkSize = Math.max(1, Math.min(BULK_CHUNK, opts.chunk ?? BULK_CHUNK));
  const reason = operateReasonSchema.parse(rawReason);
  let total: number;
  let ids: string[] | null = null;
  let alertIds: string[] | null = null;
  if (target.kind === "alerts") {
    if (action !== "acknowledgeAlerts" && action !== "resolveAlerts") throw new BadRequestError("choose executions, not alerts, to mark them cancelled or failed");
    alertIds = [...new Set(target.alertIds)];
    const { rows } = await pool().query<{ n: number }>(`SELECT count(*)::int AS n FROM alerts WHERE "orgId" = $1 AND id = ANY($2::bigint[]) AND state::text = ANY($3::text[])`, [
      caller.orgId,
      alertIds,
      ALERT_STATES_FOR[action],
    ]);
    total = rows[0]!.n;
  } else if (target.kind === "ids") {
    ids = [...new Set(target.executionIds)];
    // another organization's ids simply do not match: orgId is in the where
    const { rows } = await pool().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM executions e WHERE e."orgId" = $1 AND e."executionId" = ANY($2::text[]) AND e.status::text = ANY($3::text[])`,
      [caller.orgId, ids, ACTIVE_STATUSES],
    );
    total = rows[0]!.n;
  } else {
    if (!filter) throw new BadRequestError("a filter target needs its filters");
    const counted = await countExecutionsCapped(caller.orgId, activeOnly(filter), { cap: BULK_MAX });
    if (counted.capped) throw new BadRequestError(`more than ${BULK_MAX.toLocaleString("en-US")} active executions match; narrow the filter`);
    total = counted.count;
  }
  const snapshotId = await latestExecutionId(caller.orgId);
  const filterQuery = target.kind === "filter" ? target.query : null;

  const resume: ResumeState = { target: target.kind, actor: caller.actor, chunk: chunkSize, snapshotId, filter: target.kind === "filter" ? filter : null, cursor: null, idsDone: 0 };

  // the job and its one audit entry for the whole batch, in one transaction
  const job = await audited(caller, { recordRefusals: false, action: ACTION[action].audit, resourceType: "bulk_job" }, async (client) => {
    const { rows } = await client.query<{ id: string; createdAt: Date }>(
      `INSERT INTO bulk_jobs ("orgId", action, "filterQuery", "executionIds", reason, total, "createdBy", state, resume, "leaseUntil")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + $10 * interval '1 millisecond') RETURNING id::text, "createdAt"`,
      [
        caller.orgId,
        action,
        filterQuery,
        ids || alertIds ? JSON.stringify(ids ?? alertIds) : null,
        reason,
        total,
        caller.actor.label,
        total === 0 ? "done" : "running",
        JSON.stringify(resume),
        BULK_LEASE_MS,
      ],
    );
    const row = rows[0]!;
    return {
      result: row,
      resourceId: row.id,
      details: { filter: filterQuery, executionIds: ids ? ids.length : undefined, alertIds: alertIds ?? undefined, count: total, reason, engineNotified: false },
    };
  });
  if (total > 0) track(runClaimedJob(caller.orgId, job.id, opts.abandonAt));
  return (await getBulkJob(caller.orgId, job.id))!;
}

/**
 * Tests only: the runner returns as if its process died, at the start of chunk `chunk` (0-based)
 * or, with `applied`, after that chunk's events were ingested and before its progress was written.
 */
export type AbandonAt = { chunk: number; applied?: boolean };

function track(work: Promise<void>) {
  const w = work.finally(() => running.delete(w));
  running.add(w);
}

/** Where a job's walk stands; stored in bulk_jobs.resume. */
type ResumeState = {
  target: BulkTarget["kind"];
  actor: Actor;
  chunk: number;
  snapshotId: string | null;
  /** the resolved list filter of an "all matching" job (dates as ISO text once stored) */
  filter: ListFilter | null;
  cursor: Cursor | null;
  /** how many of the chosen ids are done */
  idsDone: number;
};
/** The chunk of status events being applied, and where the walk stands after it. */
type Pending = { targets: { executionId: string; attempt: number }[]; next: { cursor: Cursor | null; idsDone: number; last: boolean } };

function reviveFilter(f: ListFilter | null): ListFilter | null {
  if (!f) return null;
  return { ...f, createdFrom: f.createdFrom ? new Date(f.createdFrom) : undefined, createdTo: f.createdTo ? new Date(f.createdTo) : undefined };
}

type ClaimedRow = { orgId: string; id: string; action: BulkAction; reason: string; executionIds: string[] | null; resume: ResumeState | null; pending: Pending | null };

/**
 * Takes over every running job whose lease expired (its process stopped) and continues it from
 * its stored position. Safe to call from several processes at once: the claim is one UPDATE, so
 * each job goes to one of them. Returns the ids of the jobs taken over.
 */
export async function resumeBulkJobs(): Promise<string[]> {
  const { rows } = await pool().query<{ orgId: string; id: string }>(
    `UPDATE bulk_jobs SET "leaseUntil" = now() + $1 * interval '1 millisecond'
      WHERE state = 'running' AND resume IS NOT NULL AND ("leaseUntil" IS NULL OR "leaseUntil" < now())
      RETURNING "orgId"::text, id::text`,
    [BULK_LEASE_MS],
  );
  for (const r of rows) {
    log.info({ orgId: r.orgId, jobId: r.id }, "resuming a bulk job its process left unfinished");
    track(runClaimedJob(r.orgId, r.id));
  }
  return rows.map((r) => r.id);
}

/** Runs a job this process holds the lease of, from where its row says it stands. */
async function runClaimedJob(orgId: string, jobId: string, abandonAt?: AbandonAt): Promise<void> {
  const { rows } = await pool().query<ClaimedRow>(
    `SELECT "orgId"::text, id::text, action, reason, "executionIds", resume, pending FROM bulk_jobs WHERE "orgId" = $1 AND id = $2::bigint AND state = 'running'`,
    [orgId, jobId],
  );
  const job = rows[0];
  if (!job?.resume) return;
  const caller: BulkCaller = { orgId, actor: job.resume.actor };
  if (job.resume.target === "alerts") return runAlertJob(caller, jobId, job.action as AlertAction, job.executionIds ?? [], job.reason);
  return runJob(caller, jobId, job.action, job.executionIds, { ...job.resume, filter: reviveFilter(job.resume.filter) }, job.pending, job.reason, abandonAt);
}

async function runJob(
  caller: BulkCaller,
  jobId: string,
  action: BulkAction,
  ids: string[] | null,
  resume: ResumeState,
  pendingAtStart: Pending | null,
  reason: string,
  abandonAt?: AbandonAt,
): Promise<void> {
  const where = `"orgId" = $1 AND id = $2::bigint`;
  const lease = `"leaseUntil" = now() + ${BULK_LEASE_MS} * interval '1 millisecond'`;
  const statusAction = action === "cancel" || action === "markFailed";
  let pending = pendingAtStart;
  let position = { cursor: resume.cursor, idsDone: resume.idsDone };
  let chunks = 0;
  try {
    for (;;) {
      if (abandonAt?.chunk === chunks && !abandonAt.applied) return;
      let targets: Target[] | Pending["targets"];
      let next: Pending["next"];
      if (pending) {
        // a chunk its process may or may not have applied before it stopped: replayed with the
        // same event ids, so what was applied answers "duplicate"
        ({ targets, next } = pending);
      } else if (ids) {
        if (position.idsDone >= ids.length) break;
        const slice = ids.slice(position.idsDone, position.idsDone + resume.chunk);
        const { rows } = await pool().query<Target>(
          `SELECT ${TARGET_COLUMNS} FROM executions e WHERE e."orgId" = $1 AND e."executionId" = ANY($2::text[]) AND e.status::text = ANY($3::text[]) ORDER BY e."createdAt" DESC, e.id DESC`,
          [caller.orgId, slice, ACTIVE_STATUSES],
        );
        targets = rows;
        next = { cursor: null, idsDone: position.idsDone + slice.length, last: position.idsDone + slice.length >= ids.length };
      } else if (resume.filter && resume.snapshotId) {
        const rows: Target[] = await selectExecutionPage<Target>(caller.orgId, activeOnly(resume.filter), { limit: resume.chunk, cursor: position.cursor, snapshotId: resume.snapshotId }, TARGET_COLUMNS);
        targets = rows.slice(0, resume.chunk);
        if (!targets.length) break;
        const last = targets[targets.length - 1] as Target;
        next = { cursor: { createdAt: last.createdAt.toISOString(), id: last.id }, idsDone: 0, last: rows.length <= resume.chunk };
      } else break;

      // the chunk's progress and where the walk continues, with the lease renewed
      const done = (client: Pool | PoolClient, r: { changed: number; skipped: number }) =>
        client.query(
          `UPDATE bulk_jobs SET processed = processed + $3, changed = changed + $4, skipped = skipped + $5, resume = resume || $6::jsonb, pending = NULL, ${lease}, "updatedAt" = now() WHERE ${where}`,
          [caller.orgId, jobId, targets.length, r.changed, r.skipped, JSON.stringify({ cursor: next.cursor, idsDone: next.idsDone })],
        );
      if (statusAction) {
        if (!pending && targets.length) {
          const stored: Pending = { targets: targets.map((t) => ({ executionId: t.executionId, attempt: t.attempt })), next };
          await pool().query(`UPDATE bulk_jobs SET pending = $3::jsonb, ${lease} WHERE ${where}`, [caller.orgId, jobId, JSON.stringify(stored)]);
        }
        const r = await applyStatusChunk(caller, jobId, action, targets, reason);
        if (abandonAt?.chunk === chunks && abandonAt.applied) return;
        await done(pool(), r);
      } else {
        // alerts: the changes and the progress commit together, so nothing is replayed
        await withTransaction(async (client) => done(client, await applyAlertChunk(client, caller, action, targets.map((t) => t.executionId), reason)));
      }
      pending = null;
      position = { cursor: next.cursor, idsDone: next.idsDone };
      chunks += 1;
      if (next.last) break;
    }
    await pool().query(`UPDATE bulk_jobs SET state = 'done', pending = NULL, "leaseUntil" = NULL, "finishedAt" = now(), "updatedAt" = now() WHERE ${where}`, [caller.orgId, jobId]);
  } catch (err) {
    log.error({ err, jobId, orgId: caller.orgId }, "bulk job failed");
    await pool()
      .query(`UPDATE bulk_jobs SET state = 'failed', error = $3, "leaseUntil" = NULL, "finishedAt" = now(), "updatedAt" = now() WHERE ${where}`, [
        caller.orgId,
        jobId,
        "the job stopped on an internal error; the executions changed so far stay changed",
      ])
      .catch(() => undefined);
  }
}

/** The event id a job gives its status event for one attempt of one execution: the same on a replay. */
function bulkEventId(jobId: string, executionId: string, attempt: number): string {
  return `bulk-${jobId}-${createHash("sha256").update(`${executionId}\u0000${attempt}`).digest("base64url").slice(0, 32)}`;
}

/** One chunk of status events through ingestion: the lifecycle rules decide each execution as for any engine's event. */
async function applyStatusChunk(caller: BulkCaller, jobId: string, action: "cancel" | "markFailed", rows: Pending["targets"], reason: string): Promise<{ changed: number; skipped: number }> {
  if (!rows.length) return { changed: 0, skipped: 0 };
  const now = new Date();
  const events = rows.map((r) => ({
    eventId: bulkEventId(jobId, r.executionId, r.attempt),
    executionId: r.executionId,
    type: "status",
    status: action === "cancel" ? "CANCELLED" : "FAILED",
    occurredAt: now.toISOString(),
    // the operator speaks for the attempt in progress, as for one execution (operate.ts)
    attempt: r.attempt,
    ...(action === "markFailed" ? { error: { message: reason } } : {}),
  }));
  const results = await ingestEvents(caller.orgId, events, { receivedAt: now });
  // "duplicate": this job's own event, applied before its process stopped
  const changed = results.filter((r) => r.outcome === "applied" || r.outcome === "duplicate").length;
  return { changed, skipped: rows.length - changed };
}

/** The open alerts of one chunk's executions, in the caller's transaction. */
async function applyAlertChunk(client: PoolClient, caller: BulkCaller, action: BulkAction, executionIds: string[], reason: string): Promise<{ changed: number; skipped: number }> {
  if (!executionIds.length) return { changed: 0, skipped: 0 };
  const states = ALERT_STATES_FOR[action as AlertAction];
  const { rows: alerts } = await client.query<{ id: string }>(
    `SELECT id::text FROM alerts WHERE "orgId" = $1 AND "executionId" = ANY($2::text[]) AND state::text = ANY($3::text[]) ORDER BY id`,
    [caller.orgId, executionIds, states],
  );
  for (const a of alerts) {
    if (action === "acknowledgeAlerts") await acknowledgeAlertIn({ ...caller, client }, { alertId: a.id, note: reason });
    else await resolveAlertIn({ ...caller, client }, { alertId: a.id, note: reason });
  }
  // changed counts alerts; an execution without an open alert is skipped
  const withAlert = new Set((await client.query<{ executionId: string }>(`SELECT DISTINCT "executionId" FROM alerts WHERE "orgId" = $1 AND id = ANY($2::bigint[])`, [caller.orgId, alerts.map((a) => a.id)])).rows.map((r) => r.executionId));
  return { changed: alerts.length, skipped: executionIds.filter((id) => !withAlert.has(id)).length };
}

type AlertAction = "acknowledgeAlerts" | "resolveAlerts";
const ALERT_STATES_FOR: Record<AlertAction, string[]> = { acknowledgeAlerts: ["FIRING"], resolveAlerts: ["FIRING", "ACKNOWLEDGED"] };

/** Chosen alerts (≤ BULK_MAX_IDS): one transaction; an alert that moved on meanwhile is skipped. */
async function runAlertJob(caller: BulkCaller, jobId: string, action: AlertAction, alertIds: string[], reason: string): Promise<void> {
  try {
    await withTransaction(async (client) => {
      const { rows } = await client.query<{ id: string }>(`SELECT id::text FROM alerts WHERE "orgId" = $1 AND id = ANY($2::bigint[]) AND state::text = ANY($3::text[]) ORDER BY id`, [
        caller.orgId,
        alertIds,
        ALERT_STATES_FOR[action],
      ]);
      for (const a of rows) {
        if (action === "acknowledgeAlerts") await acknowledgeAlertIn({ ...caller, client }, { alertId: a.id, note: reason });
        else await resolveAlertIn({ ...caller, client }, { alertId: a.id, note: reason });
      }
      // with the changes, so a job whose process stopped before this commit simply runs again
      await client.query(
        `UPDATE bulk_jobs SET processed = total, changed = $3, skipped = $4, state = 'done', "leaseUntil" = NULL, "finishedAt" = now(), "updatedAt" = now() WHERE "orgId" = $1 AND id = $2::bigint`,
        [caller.orgId, jobId, rows.length, alertIds.length - rows.length],
      );
    });
  } catch (err) {
    log.error({ err, jobId, orgId: caller.orgId }, "bulk alert job failed");
    await pool()
      .query(`UPDATE bulk_jobs SET state = 'failed', error = 'the job stopped on an internal error; nothing was changed', "finishedAt" = now() WHERE "orgId" = $1 AND id = $2::bigint`, [caller.orgId, jobId])
      .catch(() => undefined);
  }
}

type JobRow = Omit<BulkJob, "jobId" | "state"> & { id: string; state: "running" | "done" | "failed"; updatedAt: Date };

/** A job of this organization, or null. */
export async function getBulkJob(orgId: string, jobId: string, now = new Date()): Promise<BulkJob | null> {
  if (!/^\d{1,19}$/.test(jobId)) return null;
  const { rows } = await pool().query<JobRow>(
    `SELECT id::text, action, state, "filterQuery", total, processed, changed, skipped, error, "createdAt", "updatedAt", "finishedAt"
       FROM bulk_jobs WHERE "orgId" = $1 AND id = $2::bigint`,
    [orgId, jobId],
  );
  const r = rows[0];
  if (!r) return null;
  const stalled = r.state === "running" && now.getTime() - r.updatedAt.getTime() > BULK_STALL_MS;
  return {
    jobId: r.id,
    action: r.action,
    state: stalled ? "stalled" : r.state,
    filterQuery: r.filterQuery,
    total: r.total,
    processed: r.processed,
    changed: r.changed,
    skipped: r.skipped,
    error: stalled ? "no progress for 5 minutes: the process running the job stopped; a running Runwatch server resumes it where it stood" : r.error,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
  };
}

export async function requireBulkJob(orgId: string, jobId: string): Promise<BulkJob> {
  const job = await getBulkJob(orgId, jobId);
  if (!job) throw new NotFoundError(`bulk job "${jobId}" not found`);
  return job;
}

export const bulkActionLabel = (action: BulkAction) => ACTION[action].label;
