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

export type MissedCheckResult = { /** workflows read: due ones and those with an open missed alert */ checked: number; opened: number; counted: number; resolved: number; notifications: number };

type Row = {
  orgId: string;
  workflowId: string;
  key: string;
  slug: string;
  schedule: unknown;
  scheduleSetAt: Date | null;
  missedCheckAt: Date | null;
  lastExecutionAt: Date | null;
  alertId: string | null;
  alertOpen: boolean | null;
  alertSince: Date | null;
  alertDetails: unknown;
};

// The scheduled workflows due to be checked (workflows_missed_check_idx: their bookmark passed,
// or none is set) and every workflow with an open missed alert (to count, or resolve it when an
// execution arrived or the schedule changed or went), each with its newest execution's createdAt
// and its latest missed alert. Workflows whose next slot is still ahead are not read at all.
export const MISSED_CHECK_SQL = `
WITH keys AS (
  SELECT w."orgId", w.id FROM workflows w
  WHERE w.schedule IS NOT NULL AND (w."missedCheckAt" IS NULL OR w."missedCheckAt" <= $1)
  UNION
  SELECT a."orgId", a."workflowId" FROM alerts a WHERE a.state <> 'RESOLVED' AND a."executionId" IS NULL AND a.reason = 'missed'
)
SELECT w."orgId", w.id::text AS "workflowId", w.key, o.slug, w.schedule, w."scheduleSetAt", w."missedCheckAt",
       (SELECT e."createdAt" FROM executions e WHERE e."orgId" = w."orgId" AND e."workflowId" = w.id
         ORDER BY e."createdAt" DESC, e.id DESC LIMIT 1) AS "lastExecutionAt",
       m.id::text AS "alertId", m.state <> 'RESOLVED' AS "alertOpen", m.since AS "alertSince", m.details AS "alertDetails"
FROM keys k
JOIN workflows w ON w."orgId" = k."orgId" AND w.id = k.id
JOIN organizations o ON o.id = w."orgId"
LEFT JOIN LATERAL (
  SELECT a.id, a.state, a.since, a.details FROM alerts a
  WHERE a."orgId" = w."orgId" AND a."workflowId" = w.id AND a.reason = 'missed'
  ORDER BY a."firedAt" DESC, a.id DESC LIMIT 1
) m ON true`;

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
  const { rows } = await client.query<Row>({ name: "runwatch-missed-check", text: MISSED_CHECK_SQL, values: [opts.now] });
  const result: MissedCheckResult = { checked: rows.length, opened: 0, counted: 0, resolved: 0, notifications: 0 };
  const messages: { orgId: string; alertIds: string[]; message: Message }[] = [];
  let budget = SLOT_BUDGET_PER_CHECK;
  const bookmarks: { orgId: string; workflowId: string; at: Date | null }[] = [];

  for (const r of rows) {
    if (r.schedule !== null && r.scheduleSetAt === null) {
      // a schedule written without going through updateWorkflow (which stamps it): it counts from
      // now, so it never alerts for slots before it was seen
      r.scheduleSetAt = opts.now;
      await client.query(`UPDATE workflows SET "scheduleSetAt" = $3 WHERE "orgId" = $1 AND id = $2 AND "scheduleSetAt" IS NULL`, [r.orgId, r.workflowId, opts.now]);
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
  if (bookmarks.length > 0) {
    await client.query(
      `UPDATE workflows w SET "missedCheckAt" = b.at FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[]) AS b("orgId", id, at)
       WHERE w."orgId" = b."orgId" AND w.id = b.id`,
      [bookmarks.map((b) => b.orgId), bookmarks.map((b) => b.workflowId), bookmarks.map((b) => b.at)],
    );
  }
  if (messages.length > 0) result.notifications = await enqueueForChannels(client, messages);
  return result;
}
