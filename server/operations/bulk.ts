// Bulk actions on executions: mark cancelled or failed, acknowledge or resolve their open alerts,
// for chosen execution ids or for "all N matching this filter". A job row records the request
// and its progress; the work runs in this process after the request returns, in keyset chunks
// of CHUNK executions (one transaction each), so 100k matches never hold one long transaction.
// The request is audited once, with its filter and count; the executions' own timelines show
// each change (the events carry the job's id), and no per-execution audit entry is written.
import { randomUUID } from "node:crypto";
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
  opts: { chunk?: number } = {},
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

  // the job and its one audit entry for the whole batch, in one transaction
  const job = await audited(caller, { recordRefusals: false, action: ACTION[action].audit, resourceType: "bulk_job" }, async (client) => {
    const { rows } = await client.query<{ id: string; createdAt: Date }>(
      `INSERT INTO bulk_jobs ("orgId", action, "filterQuery", "executionIds", reason, total, "createdBy", state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::text, "createdAt"`,
      [caller.orgId, action, filterQuery, ids || alertIds ? JSON.stringify(ids ?? alertIds) : null, reason, total, caller.actor.label, total === 0 ? "done" : "running"],
    );
    const row = rows[0]!;
    return {
      result: row,
      resourceId: row.id,
      details: { filter: filterQuery, executionIds: ids ? ids.length : undefined, alertIds: alertIds ?? undefined, count: total, reason, engineNotified: false },
    };
  });
  if (total > 0) {
    const work = (alertIds ? runAlertJob(caller, job.id, action as AlertAction, alertIds, reason) : runJob(caller, job.id, action, ids, filter, snapshotId, reason, chunkSize)).finally(() => running.delete(work));
    running.add(work);
  }
  return (await getBulkJob(caller.orgId, job.id))!;
}

async function runJob(
  caller: BulkCaller,
  jobId: string,
  action: BulkAction,
  ids: string[] | null,
  filter: ListFilter | null,
  snapshotId: string | null,
  reason: string,
  chunkSize: number,
): Promise<void> {
  const progress = (processed: number, changed: number, skipped: number) =>
    pool().query(`UPDATE bulk_jobs SET processed = processed + $3, changed = changed + $4, skipped = skipped + $5, "updatedAt" = now() WHERE "orgId" = $1 AND id = $2::bigint`, [
      caller.orgId,
      jobId,
      processed,
      changed,
      skipped,
    ]);
  try {
    if (ids) {
      for (let i = 0; i < ids.length; i += chunkSize) {
        const { rows } = await pool().query<Target>(
          `SELECT ${TARGET_COLUMNS} FROM executions e WHERE e."orgId" = $1 AND e."executionId" = ANY($2::text[]) AND e.status::text = ANY($3::text[]) ORDER BY e."createdAt" DESC, e.id DESC`,
          [caller.orgId, ids.slice(i, i + chunkSize), ACTIVE_STATUSES],
        );
        const r = await applyChunk(caller, jobId, action, rows, reason);
        await progress(rows.length, r.changed, r.skipped);
      }
    } else if (filter && snapshotId) {
      let cursor: Cursor | null = null;
      for (;;) {
        const rows: Target[] = await selectExecutionPage<Target>(caller.orgId, activeOnly(filter), { limit: chunkSize, cursor, snapshotId }, TARGET_COLUMNS);
        const chunk = rows.slice(0, chunkSize);
        if (!chunk.length) break;
        const r = await applyChunk(caller, jobId, action, chunk, reason);
        await progress(chunk.length, r.changed, r.skipped);
        if (rows.length <= chunkSize) break;
        const last = chunk[chunk.length - 1]!;
        cursor = { createdAt: last.createdAt.toISOString(), id: last.id };
      }
    }
    await pool().query(`UPDATE bulk_jobs SET state = 'done', "finishedAt" = now(), "updatedAt" = now() WHERE "orgId" = $1 AND id = $2::bigint`, [caller.orgId, jobId]);
  } catch (err) {
    log.error({ err, jobId, orgId: caller.orgId }, "bulk job failed");
    await pool()
      .query(`UPDATE bulk_jobs SET state = 'failed', error = $3, "finishedAt" = now(), "updatedAt" = now() WHERE "orgId" = $1 AND id = $2::bigint`, [
        caller.orgId,
        jobId,
        "the job stopped on an internal error; the executions changed so far stay changed",
      ])
      .catch(() => undefined);
  }
}

/** One chunk, one transaction: the lifecycle rules decide each execution as for any engine's event. */
async function applyChunk(caller: BulkCaller, jobId: string, action: BulkAction, rows: Target[], reason: string): Promise<{ changed: number; skipped: number }> {
  if (!rows.length) return { changed: 0, skipped: 0 };
  if (action === "cancel" || action === "markFailed") {
    const now = new Date();
    const events = rows.map((r) => ({
      eventId: `bulk-${jobId}-${randomUUID()}`,
      executionId: r.executionId,
      type: "status",
      status: action === "cancel" ? "CANCELLED" : "FAILED",
      occurredAt: now.toISOString(),
      // the operator speaks for the attempt in progress, as for one execution (operate.ts)
      attempt: r.attempt,
      ...(action === "markFailed" ? { error: { message: reason } } : {}),
    }));
    const results = await ingestEvents(caller.orgId, events, { receivedAt: now });
    const changed = results.filter((r) => r.outcome === "applied").length;
    return { changed, skipped: rows.length - changed };
  }
  const states = ALERT_STATES_FOR[action];
  return withTransaction(async (client) => {
    const { rows: alerts } = await client.query<{ id: string }>(
      `SELECT id::text FROM alerts WHERE "orgId" = $1 AND "executionId" = ANY($2::text[]) AND state::text = ANY($3::text[]) ORDER BY id`,
      [caller.orgId, rows.map((r) => r.executionId), states],
    );
    for (const a of alerts) {
      if (action === "acknowledgeAlerts") await acknowledgeAlertIn(client, caller.orgId, caller.actor, a.id, reason);
      else await resolveAlertIn(client, caller.orgId, caller.actor, a.id, reason);
    }
    // changed counts alerts; an execution without an open alert is skipped
    const withAlert = new Set((await client.query<{ executionId: string }>(`SELECT DISTINCT "executionId" FROM alerts WHERE "orgId" = $1 AND id = ANY($2::bigint[])`, [caller.orgId, alerts.map((a) => a.id)])).rows.map((r) => r.executionId));
    return { changed: alerts.length, skipped: rows.filter((r) => !withAlert.has(r.executionId)).length };
  });
}

type AlertAction = "acknowledgeAlerts" | "resolveAlerts";
const ALERT_STATES_FOR: Record<AlertAction, string[]> = { acknowledgeAlerts: ["FIRING"], resolveAlerts: ["FIRING", "ACKNOWLEDGED"] };

/** Chosen alerts (≤ BULK_MAX_IDS): one transaction; an alert that moved on meanwhile is skipped. */
async function runAlertJob(caller: BulkCaller, jobId: string, action: AlertAction, alertIds: string[], reason: string): Promise<void> {
  try {
    const { changed, skipped } = await withTransaction(async (client) => {
      const { rows } = await client.query<{ id: string }>(`SELECT id::text FROM alerts WHERE "orgId" = $1 AND id = ANY($2::bigint[]) AND state::text = ANY($3::text[]) ORDER BY id`, [
        caller.orgId,
        alertIds,
        ALERT_STATES_FOR[action],
      ]);
      for (const a of rows) {
        if (action === "acknowledgeAlerts") await acknowledgeAlertIn(client, caller.orgId, caller.actor, a.id, reason);
        else await resolveAlertIn(client, caller.orgId, caller.actor, a.id, reason);
      }
      return { changed: rows.length, skipped: alertIds.length - rows.length };
    });
    await pool().query(
      `UPDATE bulk_jobs SET processed = total, changed = $3, skipped = $4, state = 'done', "finishedAt" = now(), "updatedAt" = now() WHERE "orgId" = $1 AND id = $2::bigint`,
      [caller.orgId, jobId, changed, skipped],
    );
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
    error: stalled ? "no progress for 5 minutes: the process running the job stopped; start it again for what is left" : r.error,
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
