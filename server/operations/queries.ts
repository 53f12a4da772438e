// The SQL of bulk jobs (server/operations/bulk.ts): the job row (its progress, lease, resume
// state and pending chunk) and the targets a chunk works on. Progress writes are commands (no
// decoding); the lease is a parameter, so a test can shorten it.
import { z } from "zod";
import { defineCommand, defineQuery, type Queryable } from "../db/sql";
import type { ExecutionFilter } from "../executions/filters";
import { listExecutionTargets, listExecutionTargetsByIds, type ListPage } from "../executions/read";
import type { ExecutionTargetRow } from "../executions/queries";
import type { BulkAction, Pending, ResumeState } from "./bulk";

const count = z.object({ n: z.number() });
const idRow = z.object({ id: z.string() });

/* --- counting and choosing targets ------------------------------------------------------------ */

const COUNT_ALERTS = defineQuery(
  "operations.count_alerts",
  `SELECT count(*)::int AS n FROM alerts WHERE "orgId" = $1 AND id = ANY($2::bigint[]) AND state::text = ANY($3::text[])`,
  count,
);
/** How many of the chosen alerts are in one of these states. */
export const countAlertsInStates = async (db: Queryable, orgId: string, alertIds: readonly string[], states: readonly string[]) =>
  (await COUNT_ALERTS.one(db, [orgId, alertIds, states])).n;

// another organization's ids simply do not match: orgId is in the where
const COUNT_EXECUTIONS = defineQuery(
  "operations.count_executions",
  `SELECT count(*)::int AS n FROM executions e WHERE e."orgId" = $1 AND e."executionId" = ANY($2::text[]) AND e.status::text = ANY($3::text[])`,
  count,
);
/** How many of the chosen executions have one of these statuses. */
export const countExecutionsIn = async (db: Queryable, orgId: string, executionIds: readonly string[], statuses: readonly string[]) =>
  (await COUNT_EXECUTIONS.one(db, [orgId, executionIds, statuses])).n;

/** What a chunk works on (the executions capability reads them: one definition of the columns). */
export type Target = ExecutionTargetRow;

/** The chosen executions with one of these statuses, newest first. */
export const targetsByIds = (db: Queryable, orgId: string, executionIds: readonly string[], statuses: readonly string[]) =>
  listExecutionTargetsByIds({ orgId, client: db }, executionIds, statuses);

/** One keyset page of the list's filter, as of the snapshot (the list's own query, server/executions/read.ts). */
export async function targetPage(orgId: string, filter: ExecutionFilter, page: ListPage): Promise<Target[]> {
  return listExecutionTargets({ orgId }, filter, page);
}

const ALERTS_OF_EXECUTIONS = defineQuery(
  "operations.alerts_of_executions",
  `SELECT id::text FROM alerts WHERE "orgId" = $1 AND "executionId" = ANY($2::text[]) AND state::text = ANY($3::text[]) ORDER BY alerts.id`,
  idRow,
);
/** The alerts of these executions in one of these states, in id order. */
export const alertsOfExecutions = async (db: Queryable, orgId: string, executionIds: readonly string[], states: readonly string[]) =>
  (await ALERTS_OF_EXECUTIONS.all(db, [orgId, executionIds, states])).map((r) => r.id);

const ALERTS_IN_STATES = defineQuery(
  "operations.alerts_in_states",
  `SELECT id::text FROM alerts WHERE "orgId" = $1 AND id = ANY($2::bigint[]) AND state::text = ANY($3::text[]) ORDER BY alerts.id`,
  idRow,
);
/** The chosen alerts still in one of these states, in id order. */
export const alertsInStates = async (db: Queryable, orgId: string, alertIds: readonly string[], states: readonly string[]) =>
  (await ALERTS_IN_STATES.all(db, [orgId, alertIds, states])).map((r) => r.id);

const EXECUTIONS_OF_ALERTS = defineQuery(
  "operations.executions_of_alerts",
  `SELECT DISTINCT "executionId" FROM alerts WHERE "orgId" = $1 AND id = ANY($2::bigint[])`,
  z.object({ executionId: z.string() }),
);
/** The executions these alerts belong to. */
export const executionsOfAlerts = async (db: Queryable, orgId: string, alertIds: readonly string[]) =>
  (await EXECUTIONS_OF_ALERTS.all(db, [orgId, alertIds])).map((r) => r.executionId);

/* --- the job row ------------------------------------------------------------------------------ */

const INSERT_JOB = defineQuery(
  "operations.insert_job",
  `INSERT INTO bulk_jobs ("orgId", action, "filterQuery", "executionIds", reason, total, "createdByUserId", state, resume, "leaseUntil")
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + $10 * interval '1 millisecond') RETURNING id::text, "createdAt"`,
  z.object({ id: z.string(), createdAt: z.date() }),
);
export type NewJob = {
  action: BulkAction;
  filterQuery: string | null;
  /** the chosen execution or alert ids, or null for a filter */
  chosenIds: string[] | null;
  reason: string;
  total: number;
  createdByUserId: string | null;
  state: "running" | "done";
  resume: ResumeState;
  leaseMs: number;
};
/** Writes a job row, its lease taken by the caller. */
export const insertJob = (db: Queryable, orgId: string, j: NewJob) =>
  INSERT_JOB.one(db, [orgId, j.action, j.filterQuery, j.chosenIds ? JSON.stringify(j.chosenIds) : null, j.reason, j.total, j.createdByUserId, j.state, JSON.stringify(j.resume), j.leaseMs]);

const CLAIM_EXPIRED = defineQuery(
  "operations.claim_expired",
  `UPDATE bulk_jobs SET "leaseUntil" = now() + $1 * interval '1 millisecond'
    WHERE state = 'running' AND resume IS NOT NULL AND ("leaseUntil" IS NULL OR "leaseUntil" < now())
    RETURNING "orgId"::text, id::text`,
  z.object({ orgId: z.string(), id: z.string() }),
);
/** Takes the lease of every running job whose lease expired, in one UPDATE (so each goes to one process). */
export const claimExpiredJobs = (db: Queryable, leaseMs: number) => CLAIM_EXPIRED.all(db, [leaseMs]);

const jsonObject = <T>() => z.custom<T>((v) => typeof v === "object" && v !== null);
const CLAIMED = defineQuery(
  "operations.claimed_job",
  `SELECT action, reason, "executionIds", resume, pending FROM bulk_jobs WHERE "orgId" = $1 AND id = $2::bigint AND state = 'running'`,
  z.object({
    action: z.string().transform((a) => a as BulkAction),
    reason: z.string(),
    executionIds: z.array(z.string()).nullable(),
    resume: jsonObject<ResumeState>().nullable(),
    pending: jsonObject<Pending>().nullable(),
  }),
);
/** A running job's work: what it does, to which ids, and where it stands. */
export const claimedJob = (db: Queryable, orgId: string, jobId: string) => CLAIMED.first(db, [orgId, jobId]);

const JOB = defineQuery(
  "operations.job",
  `SELECT id::text, action, state, "filterQuery", total, processed, changed, skipped, error, "createdAt", "updatedAt", "finishedAt"
     FROM bulk_jobs WHERE "orgId" = $1 AND id = $2::bigint`,
  z.object({
    id: z.string(),
    action: z.string().transform((a) => a as BulkAction),
    state: z.enum(["running", "done", "failed"]),
    filterQuery: z.string().nullable(),
    total: z.number(),
    processed: z.number(),
    changed: z.number(),
    skipped: z.number(),
    error: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
    finishedAt: z.date().nullable(),
  }),
);
/** A job row of this organization, or null. */
export const jobRow = (db: Queryable, orgId: string, jobId: string) => JOB.first(db, [orgId, jobId]);

const SET_PENDING = defineCommand(
  "operations.set_pending",
  `UPDATE bulk_jobs SET pending = $3::jsonb, "leaseUntil" = now() + $4 * interval '1 millisecond' WHERE "orgId" = $1 AND id = $2::bigint`,
);
/** Records the chunk of status events about to be applied (replayed after a crash), renewing the lease. */
export const setPending = (db: Queryable, orgId: string, jobId: string, pending: Pending, leaseMs: number) => SET_PENDING.run(db, [orgId, jobId, JSON.stringify(pending), leaseMs]);

const PROGRESS = defineCommand(
  "operations.progress",
  `UPDATE bulk_jobs SET processed = processed + $3, changed = changed + $4, skipped = skipped + $5, resume = resume || $6::jsonb, pending = NULL,
     "leaseUntil" = now() + $7 * interval '1 millisecond', "updatedAt" = now()
   WHERE "orgId" = $1 AND id = $2::bigint`,
);
/** A chunk's progress and where the walk continues, with the lease renewed. */
export const recordProgress = (
  db: Queryable,
  orgId: string,
  jobId: string,
  p: { processed: number; changed: number; skipped: number; position: Pick<ResumeState, "cursor" | "idsDone">; leaseMs: number },
) => PROGRESS.run(db, [orgId, jobId, p.processed, p.changed, p.skipped, JSON.stringify(p.position), p.leaseMs]);

const FINISH = defineCommand(
  "operations.finish",
  `UPDATE bulk_jobs SET state = 'done', pending = NULL, "leaseUntil" = NULL, "finishedAt" = now(), "updatedAt" = now() WHERE "orgId" = $1 AND id = $2::bigint`,
);
export const finishJob = (db: Queryable, orgId: string, jobId: string) => FINISH.run(db, [orgId, jobId]);

const FINISH_ALERTS = defineCommand(
  "operations.finish_alerts",
  `UPDATE bulk_jobs SET processed = total, changed = $3, skipped = $4, state = 'done', "leaseUntil" = NULL, "finishedAt" = now(), "updatedAt" = now()
   WHERE "orgId" = $1 AND id = $2::bigint`,
);
/** An alert job done in one go: its counts and its end. */
export const finishAlertJob = (db: Queryable, orgId: string, jobId: string, changed: number, skipped: number) => FINISH_ALERTS.run(db, [orgId, jobId, changed, skipped]);

const FAIL = defineCommand(
  "operations.fail",
  `UPDATE bulk_jobs SET state = 'failed', error = $3, "leaseUntil" = NULL, "finishedAt" = now(), "updatedAt" = now() WHERE "orgId" = $1 AND id = $2::bigint`,
);
export const failJob = (db: Queryable, orgId: string, jobId: string, error: string) => FAIL.run(db, [orgId, jobId, error]);
