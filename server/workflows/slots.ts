// The workflow page's schedule panel: the next slots and a strip of recent ones (ran, late,
// missed, pending), read from the workflow's executions through the (orgId, workflowId,
// createdAt) index and classified by the pure recentSlots.
import { z } from "zod";
import { readPool } from "../db/client";
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
export async function getWorkflowSlots(orgId: string, key: string, now = new Date(), n = SLOT_STRIP_LENGTH): Promise<WorkflowSlots | null> {
  const { rows } = await readPool().query<{ id: string; schedule: unknown; scheduleSetAt: Date | null; lastCreatedAt: Date | null }>(
    `SELECT w.id::text, w.schedule, w."scheduleSetAt",
            (SELECT e."createdAt" FROM executions e WHERE e."orgId" = w."orgId" AND e."workflowId" = w.id ORDER BY e."createdAt" DESC, e.id DESC LIMIT 1) AS "lastCreatedAt"
     FROM workflows w WHERE w."orgId" = $1 AND w.key = $2`,
    [orgId, key],
  );
  const w = rows[0];
  if (!w) return null;
  const schedule = readSchedule(w.schedule);
  if (!schedule) return { schedule: null, scheduleSetAt: null, next: [], recent: [] };
  // the strip's first window starts n slots back; read the executions created since then
  const probe = recentSlots(schedule, [], now, n, null);
  const from = probe[0]?.at ?? now;
  const { rows: created } = await readPool().query<{ createdAt: Date }>(
    `SELECT e."createdAt" FROM executions e WHERE e."orgId" = $1 AND e."workflowId" = $2 AND e."createdAt" >= $3 AND e."createdAt" <= $4
     ORDER BY e."createdAt", e.id LIMIT ${MAX_EXECUTIONS_READ}`,
    [orgId, w.id, from, now],
  );
  const anchor = isCronSchedule(schedule) ? now : (w.lastCreatedAt ?? w.scheduleSetAt ?? now);
  return {
    schedule,
    scheduleSetAt: w.scheduleSetAt,
    next: nextSlots(schedule, now, 5, anchor),
    recent: recentSlots(schedule, created.map((r) => r.createdAt), now, n, w.scheduleSetAt),
  };
}
