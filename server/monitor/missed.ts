// The monitor's missed-run step (CONTRACT.md §2 "schedule"): run by the leader after the stuck
// sweep, in the same transaction, so however many monitors run one alert opens. It reads only
// the scheduled workflows that are due (each keeps a bookmark, missedCheckAt) or have an open
// missed alert, each one's newest execution through the (orgId, workflowId, createdAt) index and
// its latest missed alert through (orgId, workflowId, firedAt); the rule itself is
// missedRunAction (server/alerts/rules.ts) with an injected `now`. Notifications go through the
// outbox like every other alert.
import { MONITOR_ACTOR, recordAlertEvents } from "../alerts/history";
import { alertMessage, publicBaseUrl, type Message } from "../delivery/payload";
import { missedRunAction, readMissedDetails, type MissedDetails, type Resolution } from "../alerts/rules";
import { enqueueForChannels, type Queryable } from "../delivery/outbox";
import { fireMissedAlert, missedCheckRows, moveMissedBookmarks, resolveMissedAlert, stampScheduleSetAt, updateMissedDetails } from "./queries";

export type MissedCheckResult = { /** workflows read: due ones and those with an open missed alert */ checked: number; opened: number; counted: number; resolved: number; notifications: number };

/**
 * How many cron slots one check may step through in all. Stepping a cron expression through a
 * time zone costs about half a millisecond a slot; a long silence (a per-minute schedule down
 * for a day) is counted over a few sweeps instead of stalling one.
 */
export const SLOT_BUDGET_PER_CHECK = 200;

const missedFacts = (d: MissedDetails) => ({ slot: new Date(d.slot), count: d.count });

export async function checkMissedRuns(client: Queryable, opts: { now: Date; baseUrl?: string; /** only these organizations (tests); all by default */ orgIds?: readonly string[] }): Promise<MissedCheckResult> {
  const base = opts.baseUrl ?? publicBaseUrl();
  // the scheduled workflows that are due and those with an open missed alert (monitor/queries.ts)
  const rows = await missedCheckRows(client, opts.now, opts.orgIds ?? null);
  const result: MissedCheckResult = { checked: rows.length, opened: 0, counted: 0, resolved: 0, notifications: 0 };
  const messages: { orgId: string; alertIds: string[]; message: Message }[] = [];
  let budget = SLOT_BUDGET_PER_CHECK;
  const bookmarks: { orgId: string; workflowId: string; at: Date | null }[] = [];

  for (const r of rows) {
    if (r.schedule !== null && r.scheduleSetAt === null) {
      // a schedule written without going through updateWorkflow (which stamps it): it counts from
      // now, so it never alerts for slots before it was seen
      r.scheduleSetAt = opts.now;
      await stampScheduleSetAt(client, r.orgId, r.workflowId, opts.now);
    }
    const latest = r.alertId ? { open: r.alertOpen === true, details: readMissedDetails(r.alertDetails) } : null;
    const limit = Math.max(1, Math.min(budget, 50));
    const action = missedRunAction({ schedule: r.schedule, scheduleSetAt: r.scheduleSetAt, lastExecutionAt: r.lastExecutionAt, latest }, opts.now, limit);
    if (action.kind === "fire" || action.kind === "count") budget = Math.max(0, budget - action.stepped);
    // the bookmark: skip this workflow until its next slot can be missed; an open (or just
    // opened or resolved) alert keeps it read every check instead
    const at = action.kind === "none" ? action.recheckAt : null;
    if ((at?.getTime() ?? null) !== (r.missedCheckAt?.getTime() ?? null)) bookmarks.push({ orgId: r.orgId, workflowId: r.workflowId, at });
    const facts = { orgSlug: r.slug, executionId: null, workflow: r.key, status: null, reason: "missed" as const };

    if (action.kind === "fire") {
      // null: alerts_open_workflow_key allows one open missed alert per workflow, and one is
      const a = await fireMissedAlert(client, r.orgId, r.workflowId, action.run.dueAt, action.details);
      if (!a) continue;
      result.opened++;
      await recordAlertEvents(client, [{ orgId: r.orgId, alertId: a.id, kind: "fired", actor: MONITOR_ACTOR, note: `slot ${action.details.slot}${action.details.count > 1 ? `, ${action.details.count} in a row` : ""}` }]);
      messages.push({ orgId: r.orgId, alertIds: [a.id], message: alertMessage("alert.firing", { ...facts, id: a.id, since: a.since, missed: missedFacts(action.details) }, base) });
    } else if (action.kind === "count") {
      // more slots in a row: the same alert counts them, with no new notification
      await updateMissedDetails(client, r.orgId, r.alertId!, action.details);
      result.counted++;
    } else if (action.kind === "resolve") {
      const resolution: Resolution = action.resolution;
      const a = await resolveMissedAlert(client, r.orgId, r.alertId!, resolution);
      if (!a) continue;
      result.resolved++;
      await recordAlertEvents(client, [{ orgId: r.orgId, alertId: a.id, kind: "resolved", actor: MONITOR_ACTOR, note: resolution }]);
      const d = readMissedDetails(a.details);
      messages.push({
        orgId: r.orgId,
        alertIds: [a.id],
        message: alertMessage("alert.resolved", { ...facts, id: a.id, since: a.since, resolvedAt: a.resolvedAt, resolution, missed: d ? missedFacts(d) : null }, base),
      });
    }
  }
  if (bookmarks.length > 0) {
    await moveMissedBookmarks(client, bookmarks);
  }
  if (messages.length > 0) result.notifications = await enqueueForChannels(client, messages);
  return result;
}
