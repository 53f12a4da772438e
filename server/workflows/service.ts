// Workflows: counters, stuck thresholds (a workflow's own, or its organization's default) and
// the schedule its executions are expected on.
import { z } from "zod";
import type { ReadContext } from "../context";
import { primaryFor } from "../db/client";
import { audited, type ServiceContext, type Queryable } from "../rbac/audited";
import * as q from "./queries";
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

function toView(r: q.WorkflowRow): WorkflowView {
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

export async function getWorkflow(ctx: ReadContext, input: { key: string }): Promise<WorkflowView | null> {
  const row = await q.workflowRowByKey(primaryFor(ctx), ctx.orgId, input.key);
  return row ? toView(row) : null;
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

/** before is null when this call created the workflow (createIfNew). */
type WorkflowChange = { before: WorkflowView | null; after: WorkflowView };

/**
 * Applies a patch under the row lock, audited (workflow.update) in the same transaction; returns
 * the workflow before and after, or null if unknown (then nothing is written, audit included).
 * With createIfNew (the CLI's schedule command) an unknown workflow is created first, in the
 * same transaction, and the entry is still workflow.update, with details.created.
 */
export async function updateWorkflow(ctx: ServiceContext, input: { key: string; patch: WorkflowPatch; createIfNew?: boolean }): Promise<WorkflowChange | null> {
  const { key, patch } = input;
  return audited(ctx, { recordRefusals: false, action: "workflow.update", resourceType: "workflow", resourceId: key }, async (client) => {
    const r = await writeWorkflow(client, ctx.orgId, key, patch, input.createIfNew === true);
    // unknown: nothing changed, nothing to record; the caller answers NOT_FOUND
    if (!r) return { result: null, noop: true };
    return { result: r, before: r.before, after: r.after, details: r.before ? undefined : { created: true } };
  });
}

/**
 * PUT: creates the workflow when it is new (named after its key unless the body names it), so
 * thresholds apply from its first execution, then applies the body like a patch. `before` is null
 * when it was created; audited as workflow.create or workflow.update in the same transaction.
 */
export async function putWorkflow(ctx: ServiceContext, input: { key: string; body: WorkflowPatch }): Promise<{ before: WorkflowView | null; after: WorkflowView }> {
  const { key, body } = input;
  return audited(ctx, { recordRefusals: false, action: "workflow.update", resourceType: "workflow", resourceId: key }, async (client) => {
    const r = await writeWorkflow(client, ctx.orgId, key, body, true);
    if (!r) throw new Error(`workflow "${key}" was not found right after it was created`);
    return { result: r, action: r.before ? "workflow.update" : "workflow.create", before: r.before, after: r.after };
  });
}

async function writeWorkflow(client: Queryable, orgId: string, key: string, patch: WorkflowPatch, create: boolean): Promise<{ before: WorkflowView | null; after: WorkflowView } | null> {
  const created = create ? await q.createWorkflowIfNew(client, orgId, key) : false;
  const current = await q.workflowRowByKey(client, orgId, key, true);
  if (!current) return null;
  // an unchanged schedule is left alone: rewriting it would restart its slots
  const scheduleChanged = patch.schedule !== undefined && JSON.stringify(patch.schedule) !== JSON.stringify(readSchedule(current.schedule));
  await q.updateWorkflowFields(client, orgId, key, {
    name: patch.name,
    stuckScheduledAfterSeconds: patch.stuckScheduledAfterSeconds,
    stuckRunningAfterSeconds: patch.stuckRunningAfterSeconds,
    schedule: scheduleChanged ? patch.schedule : undefined,
  });
  const after = await q.workflowRowByKey(client, orgId, key);
  if (!after) return null;
  return { before: created ? null : toView(current), after: toView(after) };
}
