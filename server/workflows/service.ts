// Workflows: counters, stuck thresholds (a workflow's own, or its organization's default) and
// the schedule its executions are expected on.
import { z } from "zod";
import { pool } from "../db/client";
import { audited, type ServiceContext, type Queryable } from "../rbac/audited";
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

/** The body of PATCH and PUT /api/v1/workflows/{key} (and the settings form): one definition for all. */
export const workflowBodySchema = z.strictObject(
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
);

/** PATCH changes something: at least one field. */
export const workflowPatchSchema = workflowBodySchema.refine(
  (p) => Object.keys(p).length > 0,
  "send at least one of name, stuckScheduledAfterSeconds, stuckRunningAfterSeconds, schedule",
);

export type WorkflowPatch = z.infer<typeof workflowBodySchema>;

/** A workflow key as engines send it (CONTRACT.md §3: ≤ 200 characters). */
export const workflowKeySchema = z.string().min(1, "a workflow key must not be empty").max(200, "a workflow key is at most 200 characters");

type WorkflowChange = { before: WorkflowView; after: WorkflowView };

/**
 * Applies a patch under the row lock, audited (workflow.update) in the same transaction; returns
 * the workflow before and after, or null if unknown (then nothing is written, audit included).
 */
export async function updateWorkflow(ctx: ServiceContext, key: string, patch: WorkflowPatch): Promise<WorkflowChange | null> {
  const change = await audited(ctx, { recordRefusals: false, action: "workflow.update", resourceType: "workflow", resourceId: key }, async (client) => {
    const r = await writeWorkflow(client, ctx.orgId, key, patch, false);
    // unknown: nothing changed, nothing to record; the caller answers NOT_FOUND
    if (!r) return { result: null, noop: true };
    return { result: r as WorkflowChange, before: r.before, after: r.after };
  });
  return change;
}

/**
 * PUT: creates the workflow when it is new (named after its key unless the body names it), so
 * thresholds apply from its first execution, then applies the body like a patch. `before` is null
 * when it was created; audited as workflow.create or workflow.update in the same transaction.
 */
export async function putWorkflow(ctx: ServiceContext, key: string, body: WorkflowPatch): Promise<{ before: WorkflowView | null; after: WorkflowView }> {
  return audited(ctx, { recordRefusals: false, action: "workflow.update", resourceType: "workflow", resourceId: key }, async (client) => {
    const r = (await writeWorkflow(client, ctx.orgId, key, body, true))!;
    return { result: r, action: r.before ? "workflow.update" : "workflow.create", before: r.before, after: r.after };
  });
}

async function writeWorkflow(client: Queryable, orgId: string, key: string, patch: WorkflowPatch, create: boolean): Promise<{ before: WorkflowView | null; after: WorkflowView } | null> {
  // the same statement ingestion uses to create a workflow, so a racing first event is harmless
  const created = create
    ? ((await client.query(`INSERT INTO workflows ("orgId", key, name) VALUES ($1, $2, $2) ON CONFLICT ("orgId", key) DO NOTHING`, [orgId, key])).rowCount ?? 0) > 0
    : false;
  const { rows } = await client.query<Row>(`${SELECT} WHERE w."orgId" = $1 AND w.key = $2 FOR UPDATE OF w`, [orgId, key]);
  if (!rows[0]) return null;
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
  if (sets.length) await client.query(`UPDATE workflows SET ${sets.join(", ")}, "updatedAt" = now() WHERE "orgId" = $1 AND key = $2`, params);
  const after = await client.query<Row>(`${SELECT} WHERE w."orgId" = $1 AND w.key = $2`, [orgId, key]);
  return { before: created ? null : toView(rows[0]), after: toView(after.rows[0]!) };
}

/** Creates the workflow (named by its key) when it is new, so a schedule can be set before its first execution. */
export async function createWorkflowIfNew(orgId: string, key: string): Promise<boolean> {
  const { rowCount } = await pool().query(`INSERT INTO workflows ("orgId", key, name) VALUES ($1, $2, $2) ON CONFLICT ("orgId", key) DO NOTHING`, [orgId, key]);
  return rowCount === 1;
}
