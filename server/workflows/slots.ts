// The workflow page's schedule panel: the next slots and a strip of recent ones (ran, late,
// missed, pending), read from the workflow's executions through the (orgId, workflowId,
// createdAt) index and classified by the pure recentSlots.
import { z } from "zod";
import type { ReadContext } from "../context";
import { replicaFor } from "../db/client";
import { createdBetween, slotWorkflow } from "./queries";
import { isCronSchedule, nextSlots, readSchedule, recentSlots, scheduleOutputSchema } from "./schedule";

export const SLOT_STRIP_LENGTH = 24;
const MAX_EXECUTIONS_READ = 5000;

export const workflowSlotsOutputSchema = z.object({
  schedule: scheduleOutputSchema,
  scheduleSetAt: z.date().nullable(),
  next: z.array(z.date()),
  recent: z.array(z.object({ at: z.date(), until: z.date(), state: z.enum(["ran", "late", "missed", "pending"]), beforeSchedule: z.boolean() })),
});
export type WorkflowSlots = z.infer<typeof workflowSlotsOutputSchema>;

/** Null when the workflow is unknown here. */
export async function getWorkflowSlots(ctx: ReadContext, input: { key: string }, now = new Date(), n = SLOT_STRIP_LENGTH): Promise<WorkflowSlots | null> {
  const db = replicaFor(ctx);
  const w = await slotWorkflow(db, ctx.orgId, input.key);
  if (!w) return null;
  const schedule = readSchedule(w.schedule);
  if (!schedule) return { schedule: null, scheduleSetAt: null, next: [], recent: [] };
  // the strip's first window starts n slots back; read the executions created since then
  const probe = recentSlots(schedule, [], now, n, null);
  const from = probe[0]?.at ?? now;
  const created = await createdBetween(db, ctx.orgId, w.id, from, now, MAX_EXECUTIONS_READ);
  const anchor = isCronSchedule(schedule) ? now : (w.lastCreatedAt ?? w.scheduleSetAt ?? now);
  return {
    schedule,
    scheduleSetAt: w.scheduleSetAt,
    next: nextSlots(schedule, now, 5, anchor),
    recent: recentSlots(schedule, created, now, n, w.scheduleSetAt),
  };
}
