// The SQL of a workflow's settings and schedule panel (server/workflows/service.ts, slots.ts), and
// of the workflows overview (./summary.ts).
// One SELECT reads the workflow as GET, PATCH and PUT answer it (with its organization's default
// thresholds), locked or not, so the three answers cannot drift apart.
import { z } from "zod";
import { defineCommand, defineDynamicCommand, defineQuery, type Queryable } from "../db/sql";
import { STUCK_REASON_SQL } from "../executions/stuck";
import type { Schedule } from "./schedule";

/** A workflow's name and the counters ingestion keeps on its row: what every workflow read shows. */
const workflowCounters = z.object({
  key: z.string(),
  name: z.string(),
  executionCount: z.number(),
  successCount: z.number(),
  failureCount: z.number(),
  cancelledCount: z.number(),
});

const workflowRow = workflowCounters.extend({
  wfScheduled: z.number().nullable(),
  wfRunning: z.number().nullable(),
  orgScheduled: z.number(),
  orgRunning: z.number(),
  schedule: z.unknown(),
  scheduleSetAt: z.date().nullable(),
  lastExecutionAt: z.date().nullable(),
  createdAt: z.date(),
});
export type WorkflowRow = z.output<typeof workflowRow>;

const SELECT = `SELECT w.key, w.name, w."executionCount", w."successCount", w."failureCount", w."cancelledCount",
  w."stuckScheduledAfterSeconds" AS "wfScheduled", w."stuckRunningAfterSeconds" AS "wfRunning",
  o."stuckScheduledAfterSeconds" AS "orgScheduled", o."stuckRunningAfterSeconds" AS "orgRunning",
  w.schedule, w."scheduleSetAt", w."lastExecutionAt", w."createdAt"
  FROM workflows w JOIN organizations o ON o.id = w."orgId"`;

const ONE = defineQuery("workflows.one", `${SELECT} WHERE w."orgId" = $1 AND w.key = $2`, workflowRow);
const ONE_LOCKED = defineQuery("workflows.one_locked", `${SELECT} WHERE w."orgId" = $1 AND w.key = $2 FOR UPDATE OF w`, workflowRow);
/** The workflow with its organization's defaults, or null; `lock` holds its row until the transaction ends. */
export const workflowRowByKey = (db: Queryable, orgId: string, key: string, lock = false) => (lock ? ONE_LOCKED : ONE).first(db, [orgId, key]);

// the same statement ingestion uses to create a workflow, so a racing first event is harmless
const CREATE = defineCommand("workflows.create_if_new", `INSERT INTO workflows ("orgId", key, name) VALUES ($1, $2, $2) ON CONFLICT ("orgId", key) DO NOTHING`);
/** Creates the workflow, named by its key, when it is new; true when it was. */
export const createWorkflowIfNew = async (db: Queryable, orgId: string, key: string) => (await CREATE.run(db, [orgId, key])) > 0;

export type WorkflowFields = {
  name?: string;
  stuckScheduledAfterSeconds?: number | null;
  stuckRunningAfterSeconds?: number | null;
  /** a changed schedule (null: removed); left out: unchanged */
  schedule?: Schedule | null;
};

const UPDATE = defineDynamicCommand("workflows.update");
/** Writes the fields given (and nothing when none is); returns the rows touched. */
export async function updateWorkflowFields(db: Queryable, orgId: string, key: string, f: WorkflowFields): Promise<number> {
  const sets: string[] = [];
  const values: unknown[] = [orgId, key];
  const set = (column: string, value: unknown) => {
    values.push(value);
    sets.push(`"${column}" = $${values.length}`);
  };
  if (f.name !== undefined) set("name", f.name);
  if (f.stuckScheduledAfterSeconds !== undefined) set("stuckScheduledAfterSeconds", f.stuckScheduledAfterSeconds);
  if (f.stuckRunningAfterSeconds !== undefined) set("stuckRunningAfterSeconds", f.stuckRunningAfterSeconds);
  if (f.schedule !== undefined) {
    // a changed schedule starts afresh: its slots count from now, never from before
    values.push(f.schedule === null ? null : JSON.stringify(f.schedule));
    const p = `$${values.length}::jsonb`;
    sets.push(`schedule = ${p}`, `"scheduleSetAt" = CASE WHEN ${p} IS NULL THEN NULL ELSE now() END`, `"missedCheckAt" = NULL`);
  }
  if (!sets.length) return 0;
  return UPDATE.run(db, { text: `UPDATE workflows SET ${sets.join(", ")}, "updatedAt" = now() WHERE "orgId" = $1 AND key = $2`, values });
}

/* --- the schedule panel (slots.ts) ------------------------------------------------------------ */

const SLOT_WORKFLOW = defineQuery(
  "workflows.slot_workflow",
  `SELECT w.id::text, w.schedule, w."scheduleSetAt",
          (SELECT e."createdAt" FROM executions e WHERE e."orgId" = w."orgId" AND e."workflowId" = w.id ORDER BY e."createdAt" DESC, e.id DESC LIMIT 1) AS "lastCreatedAt"
   FROM workflows w WHERE w."orgId" = $1 AND w.key = $2`,
  z.object({ id: z.string(), schedule: z.unknown(), scheduleSetAt: z.date().nullable(), lastCreatedAt: z.date().nullable() }),
);
/** The workflow's schedule and its newest execution's creation time, or null when unknown. */
export const slotWorkflow = (db: Queryable, orgId: string, key: string) => SLOT_WORKFLOW.first(db, [orgId, key]);

const CREATED_BETWEEN = defineQuery(
  "workflows.created_between",
  `SELECT e."createdAt" FROM executions e WHERE e."orgId" = $1 AND e."workflowId" = $2 AND e."createdAt" >= $3 AND e."createdAt" <= $4
   ORDER BY e."createdAt", e.id LIMIT $5`,
  z.object({ createdAt: z.date() }),
);
/** When the workflow's executions between from and to were created, oldest first, at most `limit`. */
export const createdBetween = async (db: Queryable, orgId: string, workflowId: string, from: Date, to: Date, limit: number) =>
  (await CREATED_BETWEEN.all(db, [orgId, workflowId, from, to, limit])).map((r) => r.createdAt);

/* --- the workflows overview (./summary.ts) ---------------------------------------------------- */

const summaryRow = workflowCounters.extend({
  lastExecutionAt: z.date().nullable(),
  stuckNow: z.number(),
  activeNow: z.number(),
  sched: z.number(),
  run: z.number(),
  overridden: z.boolean(),
  schedule: z.unknown(),
  missedId: z.string().nullable(),
  missedDetails: z.custom<{ slot?: string; count?: number } | null>(),
});
export type WorkflowSummaryRow = z.infer<typeof summaryRow>;

const SUMMARY_SQL = `SELECT w.key, w.name, w."executionCount", w."successCount", w."failureCount", w."cancelledCount", w."lastExecutionAt",
    COALESCE(a.stuck, 0)::int AS "stuckNow", COALESCE(a.active, 0)::int AS "activeNow",
    COALESCE(w."stuckScheduledAfterSeconds", o."stuckScheduledAfterSeconds") AS sched,
    COALESCE(w."stuckRunningAfterSeconds", o."stuckRunningAfterSeconds") AS run,
    (w."stuckScheduledAfterSeconds" IS NOT NULL OR w."stuckRunningAfterSeconds" IS NOT NULL) AS overridden,
    w.schedule, m.id::text AS "missedId", m.details AS "missedDetails"
  FROM workflows w
  JOIN organizations o ON o.id = w."orgId"
  -- at most one open missed alert per workflow (alerts_open_workflow_key)
  LEFT JOIN alerts m ON m."orgId" = w."orgId" AND m."workflowId" = w.id AND m.reason = 'missed' AND m."executionId" IS NULL AND m.state <> 'RESOLVED'
  LEFT JOIN (
    SELECT e."workflowId", count(*) AS active, count(*) FILTER (WHERE (${STUCK_REASON_SQL}) IS NOT NULL) AS stuck
      FROM executions e
      JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
      JOIN organizations o ON o.id = e."orgId"
     WHERE e."orgId" = $1 AND e.status IN ('PENDING', 'SCHEDULED', 'RUNNING', 'WAITING')
     GROUP BY e."workflowId"
  ) a ON a."workflowId" = w.id
  WHERE w."orgId" = $1`;

const SUMMARIES = defineQuery("workflows.summaries", `${SUMMARY_SQL} ORDER BY w."lastExecutionAt" DESC NULLS LAST, w.key LIMIT $2`, summaryRow);
/** Up to `limit` workflows with their counters, most recently run first. */
export const workflowSummaryRows = (db: Queryable, orgId: string, limit: number) => SUMMARIES.all(db, [orgId, limit]);

const SUMMARY = defineQuery("workflows.summary", `${SUMMARY_SQL} AND w.key = $2`, summaryRow);
/** One workflow with its counters, or null. */
export const workflowSummaryRow = (db: Queryable, orgId: string, key: string) => SUMMARY.first(db, [orgId, key]);

const KEY_EXISTS = defineQuery("workflows.keyExists", `SELECT 1 AS one FROM workflows WHERE "orgId" = $1 AND key = $2`, z.object({ one: z.number() }));
/** Whether the organization has a workflow of that key. */
export const workflowKeyExists = async (db: Queryable, orgId: string, key: string) => (await KEY_EXISTS.first(db, [orgId, key])) !== null;
