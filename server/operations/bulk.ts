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
import { z } from "zod";
import { acknowledgeAlertIn, resolveAlertIn } from "../alerts/service";
import type { Actor } from "../audit/service";
import type { ReadContext, ServiceContext } from "../context";
import { pool, primaryFor } from "../db/client";
import type { Queryable } from "../db/sql";
import { withTransaction } from "../db/transaction";
import { BadRequestError, NotFoundError } from "../errors";
import { ingestEvents } from "../ingest/service";
import { log } from "../log";
import { audited, type TransactionClient } from "../rbac/audited";
import { operateReasonSchema } from "./operate";
import * as q from "./queries";
import type { ExecutionFilter } from "../executions/filters";
import { countExecutionsCapped, latestExecutionId, type Cursor } from "../executions/read";
import { ACTIVE_STATUSES } from "../executions/status";

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
  /** the list's filter query string, as the page holds it (server/executions/filter-url.ts) */
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

/** What starting a job takes; `filter` is the resolved list filter when target.kind is "filter". */
export type BulkJobInput = { action: BulkAction; target: BulkTarget; filter: ExecutionFilter | null; reason: string };

/**
 * Which executions a job walks. Every action works on active executions: a terminal status is
 * final, and open alerts belong to executions still stuck (alerts of ended ones are resolved).
 */
function activeOnly(filter: ExecutionFilter): ExecutionFilter {
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
 * in the background.
 */
export async function startBulkJob(ctx: ServiceContext, input: BulkJobInput, opts: { chunk?: number; abandonAt?: AbandonAt } = {}): Promise<BulkJob> {
  const { action, target, filter } = input;
  const chunkSize = Math.max(1, Math.min(BULK_CHUNK, opts.chunk ?? BULK_CHUNK));
  const reason = operateReasonSchema.parse(input.reason);
  let total: number;
  let ids: string[] | null = null;
  let alertIds: string[] | null = null;
  if (target.kind === "alerts") {
    if (action !== "acknowledgeAlerts" && action !== "resolveAlerts") throw new BadRequestError("choose executions, not alerts, to mark them cancelled or failed");
    alertIds = [...new Set(target.alertIds)];
    total = await q.countAlertsInStates(pool(), ctx.orgId, alertIds, ALERT_STATES_FOR[action]);
  } else if (target.kind === "ids") {
    ids = [...new Set(target.executionIds)];
    total = await q.countExecutionsIn(pool(), ctx.orgId, ids, ACTIVE_STATUSES);
  } else {
    if (!filter) throw new BadRequestError("a filter target needs its filters");
    const counted = await countExecutionsCapped({ orgId: ctx.orgId }, activeOnly(filter), { cap: BULK_MAX });
    if (counted.capped) throw new BadRequestError(`more than ${BULK_MAX.toLocaleString("en-US")} active executions match; narrow the filter`);
    total = counted.count;
  }
  const snapshotId = await latestExecutionId({ orgId: ctx.orgId });
  const filterQuery = target.kind === "filter" ? target.query : null;

  const resume: ResumeState = { target: target.kind, actor: ctx.actor, chunk: chunkSize, snapshotId, filter: target.kind === "filter" ? filter : null, cursor: null, idsDone: 0 };

  // the job and its one audit entry for the whole batch, in one transaction
  const job = await audited(ctx, { recordRefusals: false, action: ACTION[action].audit, resourceType: "bulk_job" }, async (client) => {
    const row = await q.insertJob(client, ctx.orgId, {
      action,
      filterQuery,
      chosenIds: ids ?? alertIds,
      reason,
      total,
      createdByUserId: ctx.actor.type === "USER" ? ctx.actor.userId : null,
      state: total === 0 ? "done" : "running",
      resume,
      leaseMs: BULK_LEASE_MS,
    });
    return {
      result: row,
      resourceId: row.id,
      details: { filter: filterQuery, executionIds: ids ? ids.length : undefined, alertIds: alertIds ?? undefined, count: total, reason, engineNotified: false },
    };
  });
  if (total > 0) track(runClaimedJob(ctx.orgId, job.id, opts.abandonAt));
  return requireBulkJob(ctx, { jobId: job.id });
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
export type ResumeState = {
  target: BulkTarget["kind"];
  actor: Actor;
  chunk: number;
  snapshotId: string | null;
  /** the resolved list filter of an "all matching" job (dates as ISO text once stored) */
  filter: ExecutionFilter | null;
  cursor: Cursor | null;
  /** how many of the chosen ids are done */
  idsDone: number;
};
/** The chunk of status events being applied, and where the walk stands after it. */
export type Pending = { targets: { executionId: string; attempt: number }[]; next: { cursor: Cursor | null; idsDone: number; last: boolean } };

function reviveFilter(f: ExecutionFilter | null): ExecutionFilter | null {
  if (!f) return null;
  return { ...f, createdFrom: f.createdFrom ? new Date(f.createdFrom) : undefined, createdTo: f.createdTo ? new Date(f.createdTo) : undefined };
}

/**
 * Takes over every running job whose lease expired (its process stopped) and continues it from
 * its stored position. Safe to call from several processes at once: the claim is one UPDATE, so
 * each job goes to one of them. Returns the ids of the jobs taken over.
 */
export async function resumeBulkJobs(): Promise<string[]> {
  const rows = await q.claimExpiredJobs(pool(), BULK_LEASE_MS);
  for (const r of rows) {
    log.info({ orgId: r.orgId, jobId: r.id }, "resuming a bulk job its process left unfinished");
    track(runClaimedJob(r.orgId, r.id));
  }
  return rows.map((r) => r.id);
}

/** Runs a job this process holds the lease of, from where its row says it stands. */
async function runClaimedJob(orgId: string, jobId: string, abandonAt?: AbandonAt): Promise<void> {
  const job = await q.claimedJob(pool(), orgId, jobId);
  if (!job?.resume) return;
  // the job acts as the one who started it: its alert changes name them
  const caller: ServiceContext = { orgId, actor: job.resume.actor };
  if (job.resume.target === "alerts") return runAlertJob(caller, jobId, job.action as AlertAction, job.executionIds ?? [], job.reason);
  return runJob(caller, jobId, job.action, job.executionIds, { ...job.resume, filter: reviveFilter(job.resume.filter) }, job.pending, job.reason, abandonAt);
}

async function runJob(
  caller: ServiceContext,
  jobId: string,
  action: BulkAction,
  ids: string[] | null,
  resume: ResumeState,
  pendingAtStart: Pending | null,
  reason: string,
  abandonAt?: AbandonAt,
): Promise<void> {
  const statusAction = action === "cancel" || action === "markFailed";
  let pending = pendingAtStart;
  let position = { cursor: resume.cursor, idsDone: resume.idsDone };
  let chunks = 0;
  try {
    for (;;) {
      if (abandonAt?.chunk === chunks && !abandonAt.applied) return;
      let targets: q.Target[] | Pending["targets"];
      let next: Pending["next"];
      if (pending) {
        // a chunk its process may or may not have applied before it stopped: replayed with the
        // same event ids, so what was applied answers "duplicate"
        ({ targets, next } = pending);
      } else if (ids) {
        if (position.idsDone >= ids.length) break;
        const slice = ids.slice(position.idsDone, position.idsDone + resume.chunk);
        targets = await q.targetsByIds(pool(), caller.orgId, slice, ACTIVE_STATUSES);
        next = { cursor: null, idsDone: position.idsDone + slice.length, last: position.idsDone + slice.length >= ids.length };
      } else if (resume.filter && resume.snapshotId) {
        const rows = await q.targetPage(caller.orgId, activeOnly(resume.filter), { limit: resume.chunk, cursor: position.cursor, snapshotId: resume.snapshotId });
        const page = rows.slice(0, resume.chunk);
        const last = page[page.length - 1];
        if (!last) break;
        targets = page;
        next = { cursor: { createdAt: last.createdAt.toISOString(), id: last.id }, idsDone: 0, last: rows.length <= resume.chunk };
      } else break;

      // the chunk's progress and where the walk continues, with the lease renewed
      const processed = targets.length;
      const after = { cursor: next.cursor, idsDone: next.idsDone };
      const done = (db: Queryable, r: { changed: number; skipped: number }) => q.recordProgress(db, caller.orgId, jobId, { processed, ...r, position: after, leaseMs: BULK_LEASE_MS });
      if (statusAction) {
        if (!pending && targets.length) {
          const stored: Pending = { targets: targets.map((t) => ({ executionId: t.executionId, attempt: t.attempt })), next };
          await q.setPending(pool(), caller.orgId, jobId, stored, BULK_LEASE_MS);
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
    await q.finishJob(pool(), caller.orgId, jobId);
  } catch (err) {
    log.error({ err, jobId, orgId: caller.orgId }, "bulk job failed");
    await q.failJob(pool(), caller.orgId, jobId, "the job stopped on an internal error; the executions changed so far stay changed").catch(() => undefined);
  }
}

/** The event id a job gives its status event for one attempt of one execution: the same on a replay. */
function bulkEventId(jobId: string, executionId: string, attempt: number): string {
  return `bulk-${jobId}-${createHash("sha256").update(`${executionId}\u0000${attempt}`).digest("base64url").slice(0, 32)}`;
}

/** One chunk of status events through ingestion: the lifecycle rules decide each execution as for any engine's event. */
async function applyStatusChunk(caller: ServiceContext, jobId: string, action: "cancel" | "markFailed", rows: Pending["targets"], reason: string): Promise<{ changed: number; skipped: number }> {
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
  const results = await ingestEvents({ orgId: caller.orgId }, { events, receivedAt: now });
  // "duplicate": this job's own event, applied before its process stopped
  const changed = results.filter((r) => r.outcome === "applied" || r.outcome === "duplicate").length;
  return { changed, skipped: rows.length - changed };
}

/** The open alerts of one chunk's executions, in the caller's transaction. */
async function applyAlertChunk(client: TransactionClient, caller: ServiceContext, action: BulkAction, executionIds: string[], reason: string): Promise<{ changed: number; skipped: number }> {
  if (!executionIds.length) return { changed: 0, skipped: 0 };
  const alerts = await q.alertsOfExecutions(client, caller.orgId, executionIds, ALERT_STATES_FOR[action as AlertAction]);
  await changeAlerts(client, caller, action, alerts, reason);
  // changed counts alerts; an execution without an open alert is skipped
  const withAlert = new Set(await q.executionsOfAlerts(client, caller.orgId, alerts));
  return { changed: alerts.length, skipped: executionIds.filter((id) => !withAlert.has(id)).length };
}

type AlertAction = "acknowledgeAlerts" | "resolveAlerts";
const ALERT_STATES_FOR: Record<AlertAction, string[]> = { acknowledgeAlerts: ["FIRING"], resolveAlerts: ["FIRING", "ACKNOWLEDGED"] };

/** Acknowledges or resolves these alerts in the caller's transaction, each with its alert event. */
async function changeAlerts(client: TransactionClient, caller: ServiceContext, action: BulkAction, alertIds: readonly string[], reason: string): Promise<void> {
  for (const id of alertIds) {
    if (action === "acknowledgeAlerts") await acknowledgeAlertIn({ ...caller, client }, { alertId: id, note: reason });
    else await resolveAlertIn({ ...caller, client }, { alertId: id, note: reason });
  }
}

/** Chosen alerts (≤ BULK_MAX_IDS): one transaction; an alert that moved on meanwhile is skipped. */
async function runAlertJob(caller: ServiceContext, jobId: string, action: AlertAction, alertIds: string[], reason: string): Promise<void> {
  try {
    await withTransaction(async (client) => {
      const open = await q.alertsInStates(client, caller.orgId, alertIds, ALERT_STATES_FOR[action]);
      await changeAlerts(client, caller, action, open, reason);
      // with the changes, so a job whose process stopped before this commit simply runs again
      await q.finishAlertJob(client, caller.orgId, jobId, open.length, alertIds.length - open.length);
    });
  } catch (err) {
    log.error({ err, jobId, orgId: caller.orgId }, "bulk alert job failed");
    await q.failJob(pool(), caller.orgId, jobId, "the job stopped on an internal error; nothing was changed").catch(() => undefined);
  }
}

/** A job of this organization, or null. */
export async function getBulkJob(ctx: ReadContext, input: { jobId: string }, now = new Date()): Promise<BulkJob | null> {
  if (!/^\d{1,19}$/.test(input.jobId)) return null;
  const r = await q.jobRow(primaryFor(ctx), ctx.orgId, input.jobId);
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

export async function requireBulkJob(ctx: ReadContext, input: { jobId: string }): Promise<BulkJob> {
  const job = await getBulkJob(ctx, input);
  if (!job) throw new NotFoundError(`bulk job "${input.jobId}" not found`);
  return job;
}

export const bulkActionLabel = (action: BulkAction) => ACTION[action].label;
