// The monitor's missed-run step (CONTRACT.md §2 "schedule"): run by the leader after the stuck
// sweep, in the same transaction, so however many monitors run one alert opens. It reads only
// the workflows that have a schedule (workflows_scheduled_idx), each one's newest execution
// through the (orgId, workflowId, createdAt) index and its latest missed alert through
// (orgId, workflowId, firedAt); the rule itself is missedRunAction (server/alerts/rules.ts) with
// an injected `now`. Notifications go through the outbox like every other alert.
import { MONITOR_ACTOR, recordAlertEvents } from "../alerts/history";
import { alertMessage, publicBaseUrl, type Message } from "../alerts/payload";
import { missedRunAction, readMissedDetails, type MissedDetails, type Resolution } from "../alerts/rules";
import { enqueueForChannels, type Queryable } from "../delivery/outbox";

export type MissedCheckResult = { scheduled: number; opened: number; counted: number; resolved: number; notifications: number };

type Row = {
  orgId: string;
  workflowId: string;
  key: string;
  slug: string;
  schedule: unknown;
  scheduleSetAt: Date | null;
  lastExecutionAt: Date | null;
  alertId: string | null;
  alertOpen: boolean | null;
  alertSince: Date | null;
  alertDetails: unknown;
};

// The scheduled workflows, each with its newest execution's createdAt and its latest missed
// alert; plus the open missed alerts of workflows whose schedule was removed (to resolve them).
// Two independent branches, so neither re-reads the other's rows.
export const MISSED_CHECK_SQL = `
SELECT w."orgId", w.id::text AS "workflowId", w.key, o.slug, w.schedule, w."scheduleSetAt",
       (SELECT e."createdAt" FROM executions e WHERE e."orgId" = w."orgId" AND e."workflowId" = w.id
         ORDER BY e."createdAt" DESC, e.id DESC LIMIT 1) AS "lastExecutionAt",
       m.id::text AS "alertId", m.state <> 'RESOLVED' AS "alertOpen", m.since AS "alertSince", m.details AS "alertDetails"
FROM workflows w
JOIN organizations o ON o.id = w."orgId"
LEFT JOIN LATERAL (
  SELECT a.id, a.state, a.since, a.details FROM alerts a
  WHERE a."orgId" = w."orgId" AND a."workflowId" = w.id AND a.reason = 'missed'
  ORDER BY a."firedAt" DESC, a.id DESC LIMIT 1
) m ON true
WHERE w.schedule IS NOT NULL
UNION ALL
SELECT a."orgId", a."workflowId"::text, w.key, o.slug, NULL, NULL, NULL, a.id::text, true, a.since, a.details
FROM alerts a
JOIN workflows w ON w."orgId" = a."orgId" AND w.id = a."workflowId"
JOIN organizations o ON o.id = a."orgId"
WHERE a.state <> 'RESOLVED' AND a."executionId" IS NULL AND a.reason = 'missed' AND w.schedule IS NULL`;

/**
 * How many cron slots one check may step through in all. Stepping a cron expression through a
 * time zone costs about half a millisecond a slot; a long silence (a per-minute schedule down
 * for a day) is counted over a few sweeps instead of stalling one.
 */
export const SLOT_BUDGET_PER_CHECK = 200;

const missedFacts = (d: MissedDetails) => ({ slot: new Date(d.slot), count: d.count });

export async function checkMissedRuns(client: Queryable, opts: { now: Date; baseUrl?: string }): Promise<MissedCheckResult> {
  const base = opts.baseUrl ?? publicBaseUrl();
  // a named statement: planned once per connection (the leader keeps its lease connection)
  const { rows } = await client.query<Row>({ name: "runwatch-missed-check", text: MISSED_CHECK_SQL });
  const result: MissedCheckResult = { scheduled: rows.length, opened: 0, counted: 0, resolved: 0, notifications: 0 };
  const messages: { orgId: string; alertIds: string[]; message: Message }[] = [];
  let budget = SLOT_BUDGET_PER_CHECK;

  for (const r of rows) {
    const latest = r.alertId ? { open: r.alertOpen === true, details: readMissedDetails(r.alertDetails) } : null;
    const limit = Math.max(1, Math.min(budget, 50));
    const action = missedRunAction({ schedule: r.schedule, scheduleSetAt: r.scheduleSetAt, lastExecutionAt: r.lastExecutionAt, latest }, opts.now, limit);
    if (action.kind === "fire" || action.kind === "count") budget = Math.max(0, budget - action.stepped);
    const facts = { orgSlug: r.slug, executionId: null, workflow: r.key, status: null, reason: "missed" as const };

    if (action.kind === "fire") {
      // ON CONFLICT: alerts_open_workflow_key allows one open missed alert per workflow
      const { rows: inserted } = await client.query<{ id: string; since: Date }>(
        `INSERT INTO alerts ("orgId", reason, "workflowId", since, details) VALUES ($1, 'missed', $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING id::text, since`,
        [r.orgId, r.workflowId, action.run.dueAt, JSON.stringify(action.details)],
      );
      const a = inserted[0];
      if (!a) continue;
      result.opened++;
      await recordAlertEvents(client, [{ orgId: r.orgId, alertId: a.id, kind: "fired", actor: MONITOR_ACTOR, note: `slot ${action.details.slot}${action.details.count > 1 ? `, ${action.details.count} in a row` : ""}` }]);
      messages.push({ orgId: r.orgId, alertIds: [a.id], message: alertMessage("alert.firing", { ...facts, id: a.id, since: a.since, missed: missedFacts(action.details) }, base) });
    } else if (action.kind === "count") {
      // more slots in a row: the same alert counts them, with no new notification
      await client.query(`UPDATE alerts SET details = $3, "updatedAt" = now() WHERE "orgId" = $1 AND id = $2 AND state <> 'RESOLVED'`, [r.orgId, r.alertId, JSON.stringify(action.details)]);
      result.counted++;
    } else if (action.kind === "resolve") {
      const resolution: Resolution = action.resolution;
      const { rows: done } = await client.query<{ id: string; since: Date; resolvedAt: Date; details: unknown }>(
        `UPDATE alerts SET state = 'RESOLVED', "resolvedAt" = now(), resolution = $3, "resolvedByLabel" = 'monitor', "updatedAt" = now()
         WHERE "orgId" = $1 AND id = $2 AND state <> 'RESOLVED' RETURNING id::text, since, "resolvedAt", details`,
        [r.orgId, r.alertId, resolution],
      );
      const a = done[0];
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
  if (messages.length > 0) result.notifications = await enqueueForChannels(client, messages);
  return result;
}
