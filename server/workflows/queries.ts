// The hand-written SQL of the workflows capability. Services call the typed functions below.
import { z } from "zod";
import { defineQuery, type Queryable } from "../db/sql";
import { STUCK_REASON_SQL } from "../executions/stuck";

/* --- the workflows overview (./summary.ts) ---------------------------------------------------- */

const summaryRow = z.object({
  key: z.string(),
  name: z.string(),
  executionCount: z.number(),
  successCount: z.number(),
  failureCount: z.number(),
  cancelledCount: z.number(),
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
