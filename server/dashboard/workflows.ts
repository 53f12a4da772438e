// The workflows overview: each workflow's counters (kept by ingestion, so no recount), last run,
// stuck now (from the active-executions partial index), and its effective thresholds. A
// workflow's chart is getExecutionCharts with that workflow.
import { z } from "zod";
import { readPool } from "../db/client";
import { STUCK_REASON_SQL } from "../executions/read";
import { readSchedule, scheduleOutputSchema } from "../workflows/schedule";
import { getExecutionCharts, type ChartInput, type ChartOutput } from "../aggregates/charts";

export const MAX_WORKFLOWS_LISTED = 1000;

export const workflowSummarySchema = z.object({
  key: z.string(),
  name: z.string(),
  executions: z.number().int(),
  successes: z.number().int(),
  failures: z.number().int(),
  cancelled: z.number().int(),
  /** successes / (successes + failures); null before anything finished */
  successRate: z.number().nullable(),
  lastRunAt: z.date().nullable(),
  stuckNow: z.number().int(),
  activeNow: z.number().int(),
  stuckScheduledAfterSeconds: z.number().int(),
  stuckRunningAfterSeconds: z.number().int(),
  /** whether the thresholds are the workflow's own or the organization's defaults */
  thresholdsOverridden: z.boolean(),
  /** when executions are expected, or null */
  schedule: scheduleOutputSchema,
  /** the open missed-run alert, if any: its first missed slot and how many in a row */
  missedAlert: z.object({ id: z.string(), slot: z.string().nullable(), count: z.number().int() }).nullable(),
});
export type WorkflowSummary = z.infer<typeof workflowSummarySchema>;

export const workflowsOverviewOutputSchema = z.object({ items: z.array(workflowSummarySchema), truncated: z.boolean() });

type Row = {
  key: string;
  name: string;
  executionCount: number;
  successCount: number;
  failureCount: number;
  cancelledCount: number;
  lastExecutionAt: Date | null;
  stuckNow: string;
  activeNow: string;
  sched: number;
  run: number;
  overridden: boolean;
  schedule: unknown;
  missedId: string | null;
  missedDetails: { slot?: string; count?: number } | null;
};

const SUMMARY_SQL = `SELECT w.key, w.name, w."executionCount", w."successCount", w."failureCount", w."cancelledCount", w."lastExecutionAt",
    COALESCE(a.stuck, 0)::bigint AS "stuckNow", COALESCE(a.active, 0)::bigint AS "activeNow",
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

function toSummary(r: Row): WorkflowSummary {
  const finished = r.successCount + r.failureCount;
  return {
    key: r.key,
    name: r.name,
    executions: r.executionCount,
    successes: r.successCount,
    failures: r.failureCount,
    cancelled: r.cancelledCount,
    successRate: finished ? r.successCount / finished : null,
    lastRunAt: r.lastExecutionAt,
    stuckNow: Number(r.stuckNow),
    activeNow: Number(r.activeNow),
    stuckScheduledAfterSeconds: r.sched,
    stuckRunningAfterSeconds: r.run,
    thresholdsOverridden: r.overridden,
    schedule: readSchedule(r.schedule),
    missedAlert: r.missedId ? { id: r.missedId, slot: r.missedDetails?.slot ?? null, count: r.missedDetails?.count ?? 1 } : null,
  };
}

/** Every workflow of the organization, most recently run first. */
export async function listWorkflowSummaries(orgId: string): Promise<z.infer<typeof workflowsOverviewOutputSchema>> {
  const { rows } = await readPool().query<Row>(`${SUMMARY_SQL} ORDER BY w."lastExecutionAt" DESC NULLS LAST, w.key LIMIT $2`, [orgId, MAX_WORKFLOWS_LISTED + 1]);
  return { items: rows.slice(0, MAX_WORKFLOWS_LISTED).map(toSummary), truncated: rows.length > MAX_WORKFLOWS_LISTED };
}

export const workflowDetailInputSchema = z.object({ key: z.string().min(1).max(200) });

/** One workflow's summary, or null when it is unknown here. */
export async function getWorkflowSummary(orgId: string, input: z.input<typeof workflowDetailInputSchema>): Promise<WorkflowSummary | null> {
  const { key } = workflowDetailInputSchema.parse(input);
  const { rows } = await readPool().query<Row>(`${SUMMARY_SQL} AND w.key = $2`, [orgId, key]);
  return rows[0] ? toSummary(rows[0]) : null;
}

/** A workflow's chart; null when the workflow is unknown here. */
export async function getWorkflowCharts(
  orgId: string,
  input: { key: string } & Omit<ChartInput, "workflows">,
  now = new Date(),
): Promise<ChartOutput | null> {
  const { key, ...range } = input;
  const { rows } = await readPool().query(`SELECT 1 FROM workflows WHERE "orgId" = $1 AND key = $2`, [orgId, key]);
  if (!rows.length) return null;
  return getExecutionCharts({ orgId }, { ...range, workflows: [key] }, now);
}
