// One sweep of the monitor, run by the leader inside one transaction on its lease connection:
// finds stuck executions (CONTRACT.md §2) through the partial indexes on active executions,
// opens and resolves alerts, applies storm control and the failure-rate rule, and queues the
// notifications in the same transaction (the outbox). It never sends anything itself.
import { alertMessage, publicBaseUrl, stormMessage, STORM_SAMPLE_SIZE, type AlertFacts, type Message } from "../delivery/payload";
import { MONITOR_ACTOR, recordAlertEvents } from "../alerts/history";
import {
  DEFAULT_STORM,
  effectiveFailureRate,
  failureRateAction,
  failureRatePercent,
  planStuckSweep,
  stormDecision,
  type OpenExecutionAlert,
  type Resolution,
  type StuckReason,
  type StuckRow,
} from "../alerts/rules";
import { enabledChannels, enqueueForChannels, type Queryable, type QueuedMessage } from "../delivery/outbox";
import type { Status } from "../executions/status";
import { stuckSql } from "../executions/stuck";

// The one stuck rule (stuckSql, server/executions/stuck.ts), split by status so each half reads
// only its partial index (executions_scheduled_since_idx, executions_running_alive_idx): terminal
// rows are never scanned. A floor bound first, then each execution's own threshold.
const FLOOR = stuckSql({ scheduledAfterSeconds: "(SELECT sched FROM floor)", runningAfterSeconds: "(SELECT run FROM floor)" });
export const STUCK_SWEEP_SQL = `
WITH floor AS (
  -- the smallest thresholds anywhere: a sargable bound, so the index scans fetch only executions
  -- that could be stuck, not every active one
  SELECT LEAST((SELECT min("stuckScheduledAfterSeconds") FROM organizations),
               (SELECT min("stuckScheduledAfterSeconds") FROM workflows WHERE "stuckScheduledAfterSeconds" IS NOT NULL)) AS sched,
         LEAST((SELECT min("stuckRunningAfterSeconds") FROM organizations),
               (SELECT min("stuckRunningAfterSeconds") FROM workflows WHERE "stuckRunningAfterSeconds" IS NOT NULL)) AS run
), candidates AS MATERIALIZED (
  SELECT e."orgId", e."executionId", e."workflowId", e.status, e.attempt, 'scheduled' AS reason, ${FLOOR.scheduledSince} AS since
  FROM executions e
  WHERE e.status = 'SCHEDULED' AND ${FLOOR.olderThan(FLOOR.scheduledSince, "(SELECT sched FROM floor)")}
  UNION ALL
  SELECT e."orgId", e."executionId", e."workflowId", e.status, e.attempt, 'running', ${FLOOR.signOfLife}
  FROM executions e
  WHERE e.status = 'RUNNING' AND ${FLOOR.olderThan(FLOOR.signOfLife, "(SELECT run FROM floor)")}
)
SELECT c."orgId", c."executionId", c."workflowId"::text AS "workflowId", c.status, c.attempt, c.reason, c.since, t.secs AS "thresholdSeconds", s."autoTimeoutMultiple"
FROM candidates c
JOIN workflows w ON w."orgId" = c."orgId" AND w.id = c."workflowId"
JOIN organizations o ON o.id = c."orgId"
CROSS JOIN LATERAL (SELECT CASE c.reason WHEN 'scheduled' THEN COALESCE(w."stuckScheduledAfterSeconds", o."stuckScheduledAfterSeconds")
                                         ELSE COALESCE(w."stuckRunningAfterSeconds", o."stuckRunningAfterSeconds") END AS secs) t
LEFT JOIN workflow_alert_settings s ON s."orgId" = c."orgId" AND s."workflowId" = c."workflowId"
WHERE ${FLOOR.olderThan("c.since", "t.secs")}`;

// Only the keys: the executions' current status is read for the alerts about to resolve.
const OPEN_EXECUTION_ALERTS_SQL = `
SELECT a."orgId", a.id::text AS id, a."executionId", a.reason, a.since, a."timedOutAt"
FROM alerts a
WHERE a.state <> 'RESOLVED' AND a."executionId" IS NOT NULL`;

export type TimeoutTask = { orgId: string; alertId: string; executionId: string; attempt: number; reason: StuckReason; since: Date; thresholdSeconds: number; multiple: number };

export type SweepResult = {
  now: Date;
  stuck: number;
  /** stuck executions by reason ("scheduled", "running"), for the metrics */
  stuckByReason: Record<string, number>;
  opened: { orgId: string; alertId: string; executionId: string | null; reason: string }[];
  resolved: number;
  storms: number;
  notifications: number;
  timeOuts: TimeoutTask[];
  failureRateChecked: boolean;
};

export type SweepOptions = { failureRate: boolean; baseUrl?: string };

type StuckDbRow = Omit<StuckRow, "thresholdSeconds" | "autoTimeoutMultiple"> & { attempt: number; thresholdSeconds: number; autoTimeoutMultiple: number | null };

type WorkflowContext = { orgId: string; workflowId: string; key: string; slug: string; stormThreshold: number; stormWindowSeconds: number };

const wfKey = (orgId: string, workflowId: string) => `${orgId}\u0000${workflowId}`;

async function workflowContexts(client: Queryable, pairs: readonly { orgId: string; workflowId: string }[]): Promise<Map<string, WorkflowContext>> {
  const unique = [...new Map(pairs.map((p) => [wfKey(p.orgId, p.workflowId), p])).values()];
  const out = new Map<string, WorkflowContext>();
  if (unique.length === 0) return out;
  const { rows } = await client.query<WorkflowContext>(
    `SELECT w."orgId", w.id::text AS "workflowId", w.key, o.slug,
            COALESCE(s."stormThreshold", $3) AS "stormThreshold", COALESCE(s."stormWindowSeconds", $4) AS "stormWindowSeconds"
     FROM unnest($1::uuid[], $2::bigint[]) AS p("orgId", id)
     JOIN workflows w ON w."orgId" = p."orgId" AND w.id = p.id
     JOIN organizations o ON o.id = w."orgId"
     LEFT JOIN org_alert_settings s ON s."orgId" = w."orgId"`,
    [unique.map((p) => p.orgId), unique.map((p) => p.workflowId), DEFAULT_STORM.threshold, DEFAULT_STORM.windowSeconds],
  );
  for (const r of rows) out.set(wfKey(r.orgId, r.workflowId), r);
  return out;
}

/** Adds each open alert's execution status; only the alerts no longer stuck need a lookup. */
async function withCurrentStatus(client: Queryable, open: Omit<OpenExecutionAlert, "currentStatus">[], stuck: readonly StuckDbRow[]): Promise<OpenExecutionAlert[]> {
  const stuckStatus = new Map(stuck.map((s) => [`${s.orgId}\u0000${s.executionId}\u0000${s.reason}`, s.status]));
  const stale = open.filter((a) => !stuckStatus.has(`${a.orgId}\u0000${a.executionId}\u0000${a.reason}`));
  const statusOf = new Map<string, Status>();
  if (stale.length > 0) {
    const { rows } = await client.query<{ orgId: string; executionId: string; status: Status }>(
      `SELECT e."orgId", e."executionId", e.status FROM unnest($1::uuid[], $2::text[]) AS k("orgId", "executionId")
       JOIN executions e ON e."orgId" = k."orgId" AND e."executionId" = k."executionId"`,
      [stale.map((a) => a.orgId), stale.map((a) => a.executionId)],
    );
    for (const r of rows) statusOf.set(`${r.orgId}\u0000${r.executionId}`, r.status);
  }
  return open.map((a) => ({
    ...a,
    currentStatus: stuckStatus.get(`${a.orgId}\u0000${a.executionId}\u0000${a.reason}`) ?? statusOf.get(`${a.orgId}\u0000${a.executionId}`) ?? null,
  }));
}

type OpenedRow = { orgId: string; id: string; reason: StuckReason; workflowId: string; executionId: string; since: Date; executionStatus: Status; firedAt: Date };

export async function sweep(client: Queryable, opts: SweepOptions): Promise<SweepResult> {
  const base = opts.baseUrl ?? publicBaseUrl();
  // the sets are small and already indexed: parallel workers would only add start-up time
  await client.query(`SET LOCAL max_parallel_workers_per_gather = 0`);
  const now = (await client.query<{ now: Date }>(`SELECT now() AS now`)).rows[0]!.now;
  const stuck = (await client.query<StuckDbRow>(STUCK_SWEEP_SQL)).rows;
  const openKeys = (await client.query<Omit<OpenExecutionAlert, "currentStatus">>(OPEN_EXECUTION_ALERTS_SQL)).rows;
  const open = await withCurrentStatus(client, openKeys, stuck);
  const plan = planStuckSweep(stuck, open, now);

  const stuckByReason: Record<string, number> = {};
  for (const s of stuck) stuckByReason[s.reason] = (stuckByReason[s.reason] ?? 0) + 1;
  const result: SweepResult = { now, stuck: stuck.length, stuckByReason, opened: [], resolved: 0, storms: 0, notifications: 0, timeOuts: [], failureRateChecked: false };
  const messages: QueuedMessage[] = [];

  // 1. Open an alert for each newly stuck execution. ON CONFLICT: another monitor (or a
  //    manual resolve of the same episode) got there first; only rows inserted here notify.
  let opened: OpenedRow[] = [];
  if (plan.create.length > 0) {
    const c = plan.create;
    opened = (
      await client.query<OpenedRow>(
        `INSERT INTO alerts ("orgId", reason, "workflowId", "executionId", since, "executionStatus")
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[], $6::"ExecutionStatus"[])
         ON CONFLICT DO NOTHING
         RETURNING "orgId", id::text, reason, "workflowId"::text AS "workflowId", "executionId", since, "executionStatus", "firedAt"`,
        [c.map((s) => s.orgId), c.map((s) => s.reason), c.map((s) => s.workflowId), c.map((s) => s.executionId), c.map((s) => s.since), c.map((s) => s.status)],
      )
    ).rows;
    await recordAlertEvents(client, opened.map((a) => ({ orgId: a.orgId, alertId: a.id, kind: "fired" as const, actor: MONITOR_ACTOR })));
    result.opened = opened.map((a) => ({ orgId: a.orgId, alertId: a.id, executionId: a.executionId, reason: a.reason }));
  }

  // 2. Resolve the alerts whose execution moved on, ended or disappeared.
  let resolvedRows: { orgId: string; id: string; reason: StuckReason; workflowId: string; executionId: string; since: Date; stormId: string | null; resolvedAt: Date; resolution: Resolution }[] = [];
  if (plan.resolve.length > 0) {
    const r = plan.resolve;
    resolvedRows = (
      await client.query(
        `UPDATE alerts a SET state = 'RESOLVED', "resolvedAt" = now(), resolution = r.resolution, "resolvedByLabel" = 'monitor', "updatedAt" = now()
         FROM unnest($1::uuid[], $2::bigint[], $3::text[]) AS r("orgId", id, resolution)
         WHERE a."orgId" = r."orgId" AND a.id = r.id AND a.state <> 'RESOLVED'
         RETURNING a."orgId", a.id::text, a.reason, a."workflowId"::text AS "workflowId", a."executionId", a.since, a."stormId"::text AS "stormId", a."resolvedAt", a.resolution`,
        [r.map((x) => x.alert.orgId), r.map((x) => x.alert.id), r.map((x) => x.resolution)],
      )
    ).rows;
    await recordAlertEvents(client, resolvedRows.map((a) => ({ orgId: a.orgId, alertId: a.id, kind: "resolved" as const, actor: MONITOR_ACTOR, note: a.resolution })));
    result.resolved = resolvedRows.length;
  }

  const contexts = await workflowContexts(client, [...opened, ...resolvedRows]);
  const statusNow = new Map(plan.resolve.map((x) => [x.alert.id, x.alert.currentStatus]));
  const facts = (a: { orgId: string; id: string; reason: StuckReason; workflowId: string; executionId: string; since: Date }, status: string | null, extra: Partial<AlertFacts> = {}): AlertFacts => {
    const ctx = contexts.get(wfKey(a.orgId, a.workflowId));
    return { id: a.id, orgSlug: ctx?.slug ?? a.orgId, executionId: a.executionId, workflow: ctx?.key ?? a.workflowId, status, reason: a.reason, since: a.since, ...extra };
  };

  // 3. Storm control, per workflow that opened alerts in this sweep.
  const openedByWorkflow = new Map<string, OpenedRow[]>();
  for (const a of opened) openedByWorkflow.set(wfKey(a.orgId, a.workflowId), [...(openedByWorkflow.get(wfKey(a.orgId, a.workflowId)) ?? []), a]);
  for (const [key, group] of openedByWorkflow) {
    const ctx = contexts.get(key);
    const { orgId, workflowId } = group[0]!;
    const window = ctx?.stormWindowSeconds ?? DEFAULT_STORM.windowSeconds;
    const threshold = ctx?.stormThreshold ?? DEFAULT_STORM.threshold;
    const {
      rows: [counts],
    } = await client.query<{ recent: number; stormId: string | null }>(
      `SELECT (SELECT count(*)::int FROM alerts WHERE "orgId" = $1 AND "workflowId" = $2 AND "executionId" IS NOT NULL AND "stormId" IS NULL
                 AND "firedAt" >= now() - make_interval(secs => $3)) AS recent,
              (SELECT id::text FROM alert_storms WHERE "orgId" = $1 AND "workflowId" = $2 AND "resolvedAt" IS NULL
                 AND "lastAlertAt" >= now() - make_interval(secs => $3) ORDER BY id DESC LIMIT 1) AS "stormId"`,
      [orgId, workflowId, window],
    );
    const decision = stormDecision({ newCount: group.length, recentCount: counts!.recent, activeStormId: counts!.stormId }, { threshold, windowSeconds: window });
    const ids = group.map((a) => a.id);
    if (decision.kind === "individual") {
      for (const a of group) messages.push({ orgId, alertIds: [a.id], message: alertMessage("alert.firing", facts(a, a.executionStatus), base) });
      continue;
    }
    // channels that do not group storms (webhooks by default) still get one message per execution
    for (const a of group) messages.push({ orgId, alertIds: [a.id], message: alertMessage("alert.firing", facts(a, a.executionStatus), base), audience: "ungrouped" });
    let stormId: string;
    if (decision.kind === "join") {
      stormId = decision.stormId;
      await client.query(`UPDATE alert_storms SET "lastAlertAt" = now(), "alertCount" = "alertCount" + $3 WHERE "orgId" = $1 AND id = $2`, [orgId, stormId, group.length]);
    } else {
      const {
        rows: [storm],
      } = await client.query<{ id: string }>(
        `INSERT INTO alert_storms ("orgId", "workflowId", reason, "alertCount") VALUES ($1, $2, $3, $4) RETURNING id::text`,
        [orgId, workflowId, group[0]!.reason, decision.count],
      );
      stormId = storm!.id;
      result.storms++;
    }
    await client.query(`UPDATE alerts SET "stormId" = $3 WHERE "orgId" = $1 AND id = ANY($2::bigint[])`, [orgId, ids, stormId]);
    if (decision.kind === "start") {
      const { rows: first } = await client.query<OpenedRow>(
        `SELECT "orgId", id::text, reason, "workflowId"::text AS "workflowId", "executionId", since, "executionStatus", "firedAt"
         FROM alerts WHERE "orgId" = $1 AND "workflowId" = $2 AND "executionId" IS NOT NULL AND "firedAt" >= now() - make_interval(secs => $3)
           AND ("stormId" IS NULL OR "stormId" = $4)
         ORDER BY "firedAt", id LIMIT ${STORM_SAMPLE_SIZE}`,
        [orgId, workflowId, window, stormId],
      );
      messages.push({
        orgId,
        alertIds: ids,
        audience: "grouped",
        message: stormMessage(
          "alert.storm",
          { id: stormId, orgSlug: ctx?.slug ?? orgId, workflow: ctx?.key ?? workflowId, count: decision.count, windowSeconds: window, first: first.map((a) => facts(a, a.executionStatus)) },
          base,
        ),
      });
    }
  }

  // 4. Resolved notifications; an alert announced as part of a storm resolves silently on the
  //    channels that group storms (they get the storm's end instead).
  for (const a of resolvedRows) {
    const message = alertMessage("alert.resolved", facts(a, statusNow.get(a.id) ?? null, { resolvedAt: a.resolvedAt, resolution: a.resolution }), base);
    messages.push({ orgId: a.orgId, alertIds: [a.id], message, audience: a.stormId === null ? "all" : "ungrouped" });
  }

  // 5. A storm ends as soon as none of its alerts is open, in the same sweep as its last alert
  //    resolves. (It used to wait until no alert had joined for a whole storm window as well,
  //    which delayed alert.storm.resolved by up to that window, 5 minutes by default.) Alerts
  //    that fire after the end count towards a new storm, not this one.
  const { rows: endedStorms } = await client.query<{ orgId: string; id: string; workflowId: string; alertCount: number; window: number }>(
    `UPDATE alert_storms st SET "resolvedAt" = now()
     FROM alert_storms s LEFT JOIN org_alert_settings os ON os."orgId" = s."orgId"
     WHERE st."orgId" = s."orgId" AND st.id = s.id AND s."resolvedAt" IS NULL
       AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a."orgId" = s."orgId" AND a."stormId" = s.id AND a.state <> 'RESOLVED')
     RETURNING st."orgId", st.id::text, st."workflowId"::text AS "workflowId", st."alertCount", COALESCE(os."stormWindowSeconds", $1) AS window`,
    [DEFAULT_STORM.windowSeconds],
  );
  if (endedStorms.length > 0) {
    const ctxs = await workflowContexts(client, endedStorms);
    for (const s of endedStorms) {
      const ctx = ctxs.get(wfKey(s.orgId, s.workflowId));
      messages.push({
        orgId: s.orgId,
        alertIds: [],
        audience: "grouped",
        message: stormMessage("alert.storm.resolved", { id: s.id, orgSlug: ctx?.slug ?? s.orgId, workflow: ctx?.key ?? s.workflowId, count: s.alertCount, windowSeconds: s.window, first: [] }, base),
      });
    }
  }

  // 6. Executions due for the optional auto-timeout; the caller applies them after the commit.
  const attemptOf = new Map(stuck.map((s) => [`${s.orgId}\u0000${s.executionId}`, s.attempt]));
  result.timeOuts = plan.timeOut.map(({ alert, stuck: s }) => ({
    orgId: alert.orgId,
    alertId: alert.id,
    executionId: alert.executionId,
    attempt: attemptOf.get(`${alert.orgId}\u0000${alert.executionId}`) ?? 1,
    reason: alert.reason,
    since: s.since,
    thresholdSeconds: s.thresholdSeconds,
    multiple: s.autoTimeoutMultiple!,
  }));

  if (opts.failureRate) {
    result.failureRateChecked = true;
    messages.push(...(await failureRateSweep(client, base)));
  }

  if (messages.length > 0) {
    const channels = await enabledChannels(client, messages.map((m) => m.orgId));
    result.notifications = await enqueueForChannels(client, messages, channels);
  }
  return result;
}

// --- The failure-rate rule ----------------------------------------------------------------------

type RateRow = {
  orgId: string;
  workflowId: string;
  key: string;
  slug: string;
  total: number;
  failed: number;
  wfEnabled: boolean | null;
  wfPercent: number | null;
  wfMin: number | null;
  wfWindow: number | null;
  orgEnabled: boolean | null;
  orgPercent: number | null;
  orgMin: number | null;
  orgWindow: number | null;
  openAlertId: string | null;
  openSince: Date | null;
  heldAlertIds: string[] | null;
};

// Counts per workflow over the executions that finished within its window, read through the
// completedAt index, plus every workflow with an open failure-rate alert or a held rule (so
// those resolve when nothing fails any more).
const FAILURE_RATE_SQL = `
WITH horizon AS (
  SELECT GREATEST(900, COALESCE((SELECT max("failureRateWindowSeconds") FROM org_alert_settings), 0),
                       COALESCE((SELECT max("failureRateWindowSeconds") FROM workflow_alert_settings), 0)) AS secs
), counts AS (
  SELECT e."orgId", e."workflowId", count(*)::int AS total, count(*) FILTER (WHERE e.status IN ('FAILED', 'TIMED_OUT'))::int AS failed
  FROM executions e
  LEFT JOIN workflow_alert_settings ws ON ws."orgId" = e."orgId" AND ws."workflowId" = e."workflowId"
  LEFT JOIN org_alert_settings os ON os."orgId" = e."orgId"
  WHERE e."completedAt" >= now() - make_interval(secs => (SELECT secs FROM horizon))
    AND e."completedAt" >= now() - make_interval(secs => COALESCE(ws."failureRateWindowSeconds", os."failureRateWindowSeconds", 900))
  GROUP BY e."orgId", e."workflowId"
), open AS (
  SELECT "orgId", "workflowId", id, since FROM alerts WHERE state <> 'RESOLVED' AND "executionId" IS NULL AND reason = 'failure_rate'
), held AS (
  SELECT "orgId", "workflowId", array_agg(id::text) AS ids FROM alerts WHERE "holdsRule" AND reason = 'failure_rate' GROUP BY 1, 2
), keys AS (
  SELECT "orgId", "workflowId" FROM counts UNION SELECT "orgId", "workflowId" FROM open UNION SELECT "orgId", "workflowId" FROM held
)
SELECT k."orgId", k."workflowId"::text AS "workflowId", w.key, o.slug,
       COALESCE(c.total, 0) AS total, COALESCE(c.failed, 0) AS failed,
       ws."failureRateEnabled" AS "wfEnabled", ws."failureRatePercent" AS "wfPercent", ws."failureRateMinExecutions" AS "wfMin", ws."failureRateWindowSeconds" AS "wfWindow",
       os."failureRateEnabled" AS "orgEnabled", os."failureRatePercent" AS "orgPercent", os."failureRateMinExecutions" AS "orgMin", os."failureRateWindowSeconds" AS "orgWindow",
       op.id::text AS "openAlertId", op.since AS "openSince", h.ids AS "heldAlertIds"
FROM keys k
JOIN workflows w ON w."orgId" = k."orgId" AND w.id = k."workflowId"
JOIN organizations o ON o.id = k."orgId"
LEFT JOIN counts c ON c."orgId" = k."orgId" AND c."workflowId" = k."workflowId"
LEFT JOIN open op ON op."orgId" = k."orgId" AND op."workflowId" = k."workflowId"
LEFT JOIN held h ON h."orgId" = k."orgId" AND h."workflowId" = k."workflowId"
LEFT JOIN workflow_alert_settings ws ON ws."orgId" = k."orgId" AND ws."workflowId" = k."workflowId"
LEFT JOIN org_alert_settings os ON os."orgId" = k."orgId"`;

async function failureRateSweep(client: Queryable, base: string): Promise<{ orgId: string; alertIds: string[]; message: Message }[]> {
  const { rows } = await client.query<RateRow>(FAILURE_RATE_SQL);
  const messages: { orgId: string; alertIds: string[]; message: Message }[] = [];
  for (const r of rows) {
    const settings = effectiveFailureRate(
      { enabled: r.orgEnabled, percent: r.orgPercent, minExecutions: r.orgMin, windowSeconds: r.orgWindow },
      { enabled: r.wfEnabled, percent: r.wfPercent, minExecutions: r.wfMin, windowSeconds: r.wfWindow },
    );
    const counts = { failed: r.failed, total: r.total };
    const action = failureRateAction(counts, settings, { open: r.openAlertId !== null, held: (r.heldAlertIds?.length ?? 0) > 0 });
    const failureRate = { failed: r.failed, total: r.total, percent: failureRatePercent(counts), thresholdPercent: settings.percent, windowSeconds: settings.windowSeconds };
    if (action === "fire") {
      const { rows: inserted } = await client.query<{ id: string; since: Date }>(
        `INSERT INTO alerts ("orgId", reason, "workflowId", since, details) VALUES ($1, 'failure_rate', $2, now(), $3)
         ON CONFLICT DO NOTHING RETURNING id::text, since`,
        [r.orgId, r.workflowId, JSON.stringify({ failureRate })],
      );
      const a = inserted[0];
      if (!a) continue;
      await recordAlertEvents(client, [{ orgId: r.orgId, alertId: a.id, kind: "fired", actor: MONITOR_ACTOR, note: `${failureRate.failed} of ${failureRate.total} failed` }]);
      messages.push({
        orgId: r.orgId,
        alertIds: [a.id],
        message: alertMessage("alert.firing", { id: a.id, orgSlug: r.slug, executionId: null, workflow: r.key, status: null, reason: "failure_rate", since: a.since, failureRate }, base),
      });
    } else if (action === "resolve") {
      const resolution: Resolution = settings.enabled ? "rate_recovered" : "rule_disabled";
      const { rows: done } = await client.query<{ id: string; since: Date; resolvedAt: Date }>(
        `UPDATE alerts SET state = 'RESOLVED', "resolvedAt" = now(), resolution = $3, "resolvedByLabel" = 'monitor', "updatedAt" = now(),
           details = COALESCE(details, '{}'::jsonb) || jsonb_build_object('resolvedAt', $4::jsonb)
         WHERE "orgId" = $1 AND id = $2 AND state <> 'RESOLVED' RETURNING id::text, since, "resolvedAt"`,
        [r.orgId, r.openAlertId, resolution, JSON.stringify({ failureRate })],
      );
      const a = done[0];
      if (!a) continue;
      await recordAlertEvents(client, [{ orgId: r.orgId, alertId: a.id, kind: "resolved", actor: MONITOR_ACTOR, note: resolution }]);
      messages.push({
        orgId: r.orgId,
        alertIds: [a.id],
        message: alertMessage(
          "alert.resolved",
          { id: a.id, orgSlug: r.slug, executionId: null, workflow: r.key, status: null, reason: "failure_rate", since: a.since, resolvedAt: a.resolvedAt, resolution, failureRate },
          base,
        ),
      });
    } else if (action === "release_hold") {
      await client.query(`UPDATE alerts SET "holdsRule" = false WHERE "orgId" = $1 AND id = ANY($2::bigint[])`, [r.orgId, r.heldAlertIds]);
    }
  }
  return messages;
}
