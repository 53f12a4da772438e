// Workflows: counters, stuck thresholds (a workflow's own, or its organization's default) and
// the schedule its executions are expected on.
import { z } from "zod";
import { pool } from "../db/client";
import { readSchedule, scheduleSchema, type Schedule } from "./schedule";

export type WorkflowView = {
  key: string;
  name: string;
  executionCount: number;
  successCount: number;
  failureCount: number;
  cancelledCount: number;
  stuckScheduledAfterSeconds: number;
  stuckRunningAfterSeconds: number;
  /** which thresholds are the workflow's own rather than the organization's default */
  overrides: { stuckScheduledAfterSeconds: boolean; stuckRunningAfterSeconds: boolean };
  /** when executions are expected (CONTRACT.md §2), or null */
  schedule: Schedule | null;
  /** when the schedule was set: slots before it never alert */
  scheduleSetAt: string | null;
  lastExecutionAt: string | null;
  createdAt: string;
};

type Row = {
  id: string;
  key: string;
  name: string;
  executionCount: number;
  successCount: number;
  failureCount: number;
  cancelledCount: number;
  wfScheduled: number | null;
  wfRunning: number | null;
  orgScheduled: number;
  orgRunning: number;
  schedule: unknown;
  scheduleSetAt: Date | null;
  lastExecutionAt: Date | null;
  createdAt: Date;
};

const SELECT = `SELECT w.id, w.key, w.name, w."executionCount", w."successCount", w."failureCount", w."cancelledCount",
  w."stuckScheduledAfterSeconds" AS "wfScheduled", w."stuckRunningAfterSeconds" AS "wfRunning",
  o."stuckScheduledAfterSeconds" AS "orgScheduled", o."stuckRunningAfterSeconds" AS "orgRunning",
  w.schedule, w."scheduleSetAt", w."lastExecutionAt", w."createdAt"
  FROM workflows w JOIN organizations o ON o.id = w."orgId"`;

function toView(r: Row): WorkflowView {
  return {
    key: r.key,
    name: r.name,
    executionCount: r.executionCount,
    successCount: r.successCount,
    failureCount: r.failureCount,
    cancelledCount: r.cancelledCount,
    stuckScheduledAfterSeconds: r.wfScheduled ?? r.orgScheduled,
    stuckRunningAfterSeconds: r.wfRunning ?? r.orgRunning,
    overrides: { stuckScheduledAfterSeconds: r.wfScheduled !== null, stuckRunningAfterSeconds: r.wfRunning !== null },
    schedule: readSchedule(r.schedule),
    scheduleSetAt: r.scheduleSetAt?.toISOString() ?? null,
    lastExecutionAt: r.lastExecutionAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
  };
}

export async function getWorkflow(orgId: string, key: string): Promise<WorkflowView | null> {
  const { rows } = await pool().query<Row>(`${SELECT} WHERE w."orgId" = $1 AND w.key = $2`, [orgId, key]);
  return rows[0] ? toView(rows[0]) : null;
}

const MAX_THRESHOLD_SECONDS = 30 * 24 * 3600;
const threshold = z
  .number({ error: "must be a whole number of seconds, or null for the organization's default" })
  .int("must be a whole number of seconds")
  .min(1, "must be at least 1 second")
  .max(MAX_THRESHOLD_SECONDS, "must be at most 30 days (2592000 seconds)")
  .nullable();

export const workflowPatchSchema = z
  .strictObject(
    {
      name: z.string().trim().min(1, "name must not be empty").max(200, "name must be at most 200 characters").optional(),
      stuckScheduledAfterSeconds: threshold.optional(),
      stuckRunningAfterSeconds: threshold.optional(),
      // null removes the schedule
      schedule: scheduleSchema.optional(),
    },
    {
      error: (i) =>
        i.code === "unrecognized_keys" ? `unknown field(s): ${i.keys.join(", ")}; accepted: name, stuckScheduledAfterSeconds, stuckRunningAfterSeconds, schedule` : undefined,
    },
  )
  .refine((p) => Object.keys(p).length > 0, "send at least one of name, stuckScheduledAfterSeconds, stuckRunningAfterSeconds, schedule");

export type WorkflowPatch = z.infer<typeof workflowPatchSchema>;

/** Applies a patch under the row lock; returns the workflow before and after, or null if unknown. */
export async function updateWorkflow(orgId: string, key: string, patch: WorkflowPatch): Promise<{ before: WorkflowView; after: WorkflowView } | null> {
  const client = await pool().connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<Row>(`${SELECT} WHERE w."orgId" = $1 AND w.key = $2 FOR UPDATE OF w`, [orgId, key]);
    if (!rows[0]) {
      await client.query("ROLLBACK");
      return null;
    }
    const sets: string[] = [];
    const params: unknown[] = [orgId, key];
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined || field === "schedule") continue;
      params.push(value);
      sets.push(`"${field}" = $${params.length}`);
    }
    if (patch.schedule !== undefined && JSON.stringify(patch.schedule) !== JSON.stringify(readSchedule(rows[0].schedule))) {
      // a changed schedule starts afresh: its slots count from now, never from before
      params.push(patch.schedule === null ? null : JSON.stringify(patch.schedule));
      sets.push(`schedule = $${params.length}::jsonb`, `"scheduleSetAt" = CASE WHEN $${params.length}::jsonb IS NULL THEN NULL ELSE now() END`, `"missedCheckAt" = NULL`);
    }
    await client.query(`UPDATE workflows SET ${sets.join(", ")}, "updatedAt" = now() WHERE "orgId" = $1 AND key = $2`, params);
    const after = await client.query<Row>(`${SELECT} WHERE w."orgId" = $1 AND w.key = $2`, [orgId, key]);
    await client.query("COMMIT");
    return { before: toView(rows[0]), after: toView(after.rows[0]!) };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Creates the workflow (named by its key) when it is new, so a schedule can be set before its first execution. */
export async function createWorkflowIfNew(orgId: string, key: string): Promise<boolean> {
  const { rowCount } = await pool().query(`INSERT INTO workflows ("orgId", key, name) VALUES ($1, $2, $2) ON CONFLICT ("orgId", key) DO NOTHING`, [orgId, key]);
  return rowCount === 1;
}
