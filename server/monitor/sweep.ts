// One sweep of the monitor, run by the leader inside one transaction on its lease connection, in
// named steps: judge the executions that may have changed since the last sweep (one statement),
// plan (pure), open and resolve alerts, storm control, the failure-rate rule, and queue the
// notifications in the same transaction (the outbox). It never sends anything itself. Its clock
// is passed in (SweepOptions.now): the monitor passes the real one, tests a fake one.
import { alertMessage, publicBaseUrl, stormMessage, STORM_SAMPLE_SIZE, type AlertFacts, type Message } from "../delivery/payload";
import { MONITOR_ACTOR, recordAlertEvents } from "../alerts/history";
import {
  DEFAULT_STORM,
  effectiveFailureRate,
  failureRateAction,
  failureRatePercent,
  planStuckSweep,
  stormDecision,
  type StuckPlan,
  type OpenExecutionAlert,
  type Resolution,
  type StuckReason,
  type StuckRow,
} from "../alerts/rules";
import { enabledChannels, enqueueForChannels, type Queryable, type QueuedMessage } from "../delivery/outbox";
import type { Status } from "../executions/status";
import { stuckSql } from "../executions/stuck";
import { STUCK_OVERLAP_SECONDS } from "../executions/stuck-recheck";

// --- Which executions a sweep judges -------------------------------------------------------------
//
// The one stuck rule (stuckSql, server/executions/stuck.ts) at the sweep's clock ($1), never the
// database's now(). Per organization in scope, a sweep judges:
// - crossed: the executions that crossed their threshold since the organization's checkpoint
//   (less STUCK_OVERLAP_SECONDS), read as a range of "since" on the org-leading partial indexes
//   (executions_scheduled_org_since_idx, executions_running_org_alive_idx): terminal rows and
//   executions stuck for long are never read again. Without a usable checkpoint (first sweep,
//   thresholds changed, clock moved back, or a full sweep asked for) the range is open below,
//   which is every stuck execution of the organization;
// - rechecked: what ingestion queued in stuck_rechecks (server/executions/stuck-recheck.ts);
// - watched: the open alerts of workflows with an auto-timeout, until they time out;
// - audited: on a full sweep, every execution with an open alert.
// and diffs those (and only those) against their open alerts.
const RULE = stuckSql({ now: "$1::timestamptz", scheduledAfterSeconds: "", runningAfterSeconds: "" });

/** Per organization in scope ($2, null for all): its threshold bounds, fingerprint and window start. */
const SCOPE_SQL = `
SELECT o.id AS "orgId", t.fingerprint,
       LEAST(o."stuckScheduledAfterSeconds", t."minSched") AS "minSched", GREATEST(o."stuckScheduledAfterSeconds", t."maxSched") AS "maxSched",
       LEAST(o."stuckRunningAfterSeconds", t."minRun") AS "minRun", GREATEST(o."stuckRunningAfterSeconds", t."maxRun") AS "maxRun",
       CASE WHEN NOT $3::boolean AND c.fingerprint = t.fingerprint AND c."sweptUntil" <= $1::timestamptz
            THEN c."sweptUntil" - make_interval(secs => ${STUCK_OVERLAP_SECONDS}) END AS "fromAt"
FROM organizations o
LEFT JOIN stuck_sweep_checkpoints c ON c."orgId" = o.id
CROSS JOIN LATERAL (
  SELECT min(w."stuckScheduledAfterSeconds") AS "minSched", max(w."stuckScheduledAfterSeconds") AS "maxSched",
         min(w."stuckRunningAfterSeconds") AS "minRun", max(w."stuckRunningAfterSeconds") AS "maxRun",
         md5(o."stuckScheduledAfterSeconds" || '/' || o."stuckRunningAfterSeconds" || ';'
             || COALESCE(string_agg(w.id || ':' || COALESCE(w."stuckScheduledAfterSeconds"::text, '-') || ':' || COALESCE(w."stuckRunningAfterSeconds"::text, '-'), ',' ORDER BY w.id), '')) AS fingerprint
  FROM workflows w
  WHERE w."orgId" = o.id AND (w."stuckScheduledAfterSeconds" IS NOT NULL OR w."stuckRunningAfterSeconds" IS NOT NULL)
) t
WHERE $2::uuid[] IS NULL OR o.id = ANY($2::uuid[])`;

/** Executions of scope s whose floor-threshold crossing lies in [s.fromAt, $1): a superset of the newly stuck. */
const CROSSED_SQL = `
SELECT s."orgId", e."executionId"
FROM scope s
CROSS JOIN LATERAL (
  SELECT e."executionId" FROM executions e
  WHERE e."orgId" = s."orgId" AND e.status = 'SCHEDULED'
    AND ${RULE.scheduledSince} < $1::timestamptz - make_interval(secs => s."minSched")
    AND ${RULE.scheduledSince} >= COALESCE(s."fromAt" - make_interval(secs => s."maxSched"), '-infinity')
  UNION ALL
  SELECT e."executionId" FROM executions e
  WHERE e."orgId" = s."orgId" AND e.status = 'RUNNING'
    AND ${RULE.signOfLife} < $1::timestamptz - make_interval(secs => s."minRun")
    AND ${RULE.signOfLife} >= COALESCE(s."fromAt" - make_interval(secs => s."maxRun"), '-infinity')
) e`;

/**
 * The judged executions with their verdict at $1 (reason NULL: not stuck; status NULL: gone). Each
 * key is looked up on its own (LIMIT 1 keeps the lookup a nested loop over the unique index: the
 * planner cannot know that the keys are few, and would rather hash-join every execution).
 */
const JUDGE_SQL = `
SELECT k."orgId", k."executionId", x."workflowId", x.status, x.attempt, x.reason, x.since, x."thresholdSeconds", x."autoTimeoutMultiple"
FROM keys k
LEFT JOIN LATERAL (
  SELECT e."workflowId"::text AS "workflowId", e.status, e.attempt, v.reason, v.since, v.secs AS "thresholdSeconds", ws."autoTimeoutMultiple"
  FROM executions e
  JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
  JOIN organizations o ON o.id = e."orgId"
  LEFT JOIN workflow_alert_settings ws ON ws."orgId" = e."orgId" AND ws."workflowId" = e."workflowId"
  LEFT JOIN LATERAL (
    SELECT r.reason, r.since, r.secs FROM (
      SELECT CASE e.status WHEN 'SCHEDULED' THEN 'scheduled' WHEN 'RUNNING' THEN 'running' END AS reason,
             ${RULE.since} AS since,
             CASE e.status WHEN 'SCHEDULED' THEN COALESCE(w."stuckScheduledAfterSeconds", o."stuckScheduledAfterSeconds")
                           ELSE COALESCE(w."stuckRunningAfterSeconds", o."stuckRunningAfterSeconds") END AS secs
    ) r WHERE r.reason IS NOT NULL AND ${RULE.olderThan("r.since", "r.secs")}
  ) v ON true
  WHERE e."orgId" = k."orgId" AND e."executionId" = k."executionId"
  LIMIT 1
) x ON true`;

/**
 * The diff's one read (and its two writes: the rechecks it consumes and the checkpoints it moves
 * on): each judged execution, once per open execution alert it has (alert columns NULL when none).
 */
export const STUCK_DIFF_SQL = `
WITH scope AS MATERIALIZED (${SCOPE_SQL}
), rechecked AS (
  DELETE FROM stuck_rechecks r USING scope s WHERE r."orgId" = s."orgId" RETURNING r."orgId", r."executionId"
), crossed AS (${CROSSED_SQL}
), watched AS (
  SELECT a."orgId", a."executionId" FROM scope s
  JOIN workflow_alert_settings ws ON ws."orgId" = s."orgId" AND ws."autoTimeoutMultiple" IS NOT NULL
  JOIN alerts a ON a."orgId" = ws."orgId" AND a."workflowId" = ws."workflowId"
   AND a.state <> 'RESOLVED' AND a."executionId" IS NOT NULL AND a."timedOutAt" IS NULL
), audited AS (
  SELECT a."orgId", a."executionId" FROM scope s
  CROSS JOIN LATERAL (
    SELECT a."orgId", a."executionId" FROM alerts a
    WHERE s."fromAt" IS NULL AND a."orgId" = s."orgId" AND a.state <> 'RESOLVED' AND a."executionId" IS NOT NULL OFFSET 0
  ) a
), keys AS (
  SELECT "orgId", "executionId" FROM crossed UNION SELECT "orgId", "executionId" FROM rechecked
  UNION SELECT "orgId", "executionId" FROM watched UNION SELECT "orgId", "executionId" FROM audited
), judged AS (${JUDGE_SQL}
), checkpoint AS (
  INSERT INTO stuck_sweep_checkpoints ("orgId", "sweptUntil", fingerprint) SELECT "orgId", $1::timestamptz, fingerprint FROM scope
  ON CONFLICT ("orgId") DO UPDATE SET "sweptUntil" = EXCLUDED."sweptUntil", fingerprint = EXCLUDED.fingerprint
)
SELECT j.*, a.id::text AS "alertId", a.reason AS "alertReason", a.since AS "alertSince", a."timedOutAt" AS "alertTimedOutAt"
FROM judged j
LEFT JOIN LATERAL (
  SELECT a.id, a.reason, a.since, a."timedOutAt" FROM alerts a
  WHERE a."orgId" = j."orgId" AND a."executionId" = j."executionId" AND a.state <> 'RESOLVED' OFFSET 0
) a ON true`;

/**
 * Every execution stuck at $1 in the organizations $2 (null: all), as the sweep judges them: the
 * full set the incremental sweep keeps its alerts equal to. Read-only; for tests and benchmarks.
 */
export const STUCK_SWEEP_SQL = `
WITH scope AS MATERIALIZED (${SCOPE_SQL.replace("NOT $3::boolean AND ", "false AND ")}
), keys AS (${CROSSED_SQL}
), judged AS (${JUDGE_SQL}
)
SELECT * FROM judged WHERE reason IS NOT NULL`;

export type JudgedRow = {
  orgId: string;
  executionId: string;
  workflowId: string | null;
  status: Status | null;
  attempt: number | null;
  reason: StuckReason | null;
  since: Date | null;
  thresholdSeconds: number | null;
  autoTimeoutMultiple: number | null;
  alertId: string | null;
  alertReason: StuckReason | null;
  alertSince: Date | null;
  alertTimedOutAt: Date | null;
};

export type TimeoutTask = { orgId: string; alertId: string; executionId: string; attempt: number; reason: StuckReason; since: Date; thresholdSeconds: number; multiple: number };

export type SweepResult = {
  now: Date;
  /** executions judged stuck in this sweep (newly crossed, rechecked or watched; all of them on a full sweep) */
  stuck: number;
  /** open stuck alerts by reason ("scheduled", "running"), for the metrics; null when not counted this time */
  stuckByReason: Record<string, number> | null;
  opened: { orgId: string; alertId: string; executionId: string | null; reason: string }[];
  resolved: number;
  storms: number;
  notifications: number;
  timeOuts: TimeoutTask[];
  failureRateChecked: boolean;
};

export type SweepOptions = {
  /** the sweep's clock: every judgement and every time it writes is this one, not the database's */
  now: Date;
  failureRate: boolean;
  baseUrl?: string;
  /** only these organizations (tests); all of them by default */
  orgIds?: readonly string[];
  /** judge every active execution and every open alert again, ignoring the checkpoints */
  full?: boolean;
  /** count the open stuck alerts for the gauge (default true): a read of every open alert, so the
   *  monitor does it every STUCK_GAUGE_EVERY_MS rather than every sweep */
  countStuck?: boolean;
};

/** How often the monitor recounts the stuck gauge; Prometheus scrapes it at about this pace anyway. */
export const STUCK_GAUGE_EVERY_MS = 30_000;

type Scope = { now: Date; orgIds: string[] | null; base: string };

/** Step 1 (SQL): judge what may have changed since the last sweep; moves the checkpoints on. */
async function judgeChanged(client: Queryable, scope: Scope, full: boolean): Promise<JudgedRow[]> {
  return (await client.query<JudgedRow>(STUCK_DIFF_SQL, [scope.now, scope.orgIds, full])).rows;
}

/** Step 2 (pure): the judged rows as the stuck set and the open alerts of planStuckSweep. */
export function splitJudged(rows: readonly JudgedRow[]): { stuck: StuckDbRow[]; open: OpenExecutionAlert[] } {
  const stuck = new Map<string, StuckDbRow>();
  const open: OpenExecutionAlert[] = [];
  for (const r of rows) {
    const key = `${r.orgId}\u0000${r.executionId}`;
    if (r.reason !== null && !stuck.has(key)) {
      stuck.set(key, {
        orgId: r.orgId,
        executionId: r.executionId,
        workflowId: r.workflowId!,
        status: r.status!,
        attempt: r.attempt!,
        reason: r.reason,
        since: r.since!,
        thresholdSeconds: r.thresholdSeconds!,
        autoTimeoutMultiple: r.autoTimeoutMultiple,
      });
    }
    if (r.alertId !== null) {
      open.push({ orgId: r.orgId, id: r.alertId, executionId: r.executionId, reason: r.alertReason!, since: r.alertSince!, timedOutAt: r.alertTimedOutAt, currentStatus: r.status });
    }
  }
  return { stuck: [...stuck.values()], open };
}

type StuckDbRow = StuckRow & { attempt: number };

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

type OpenedRow = { orgId: string; id: string; reason: StuckReason; workflowId: string; executionId: string; since: Date; executionStatus: Status; firedAt: Date };
type ResolvedRow = { orgId: string; id: string; reason: StuckReason; workflowId: string; executionId: string; since: Date; stormId: string | null; resolvedAt: Date; resolution: Resolution };

/**
 * Step 3: an alert for each newly stuck execution. ON CONFLICT: another monitor (or a manual
 * resolve of the same episode) got there first; only rows inserted here notify.
 */
async function openAlerts(client: Queryable, create: readonly StuckRow[], now: Date): Promise<OpenedRow[]> {
  if (create.length === 0) return [];
  const c = create;
  const { rows } = await client.query<OpenedRow>(
    `INSERT INTO alerts ("orgId", reason, "workflowId", "executionId", since, "executionStatus", "firedAt")
     SELECT x.*, $7::timestamptz FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[], $6::"ExecutionStatus"[]) AS x
     ON CONFLICT DO NOTHING
     RETURNING "orgId", id::text, reason, "workflowId"::text AS "workflowId", "executionId", since, "executionStatus", "firedAt"`,
    [c.map((s) => s.orgId), c.map((s) => s.reason), c.map((s) => s.workflowId), c.map((s) => s.executionId), c.map((s) => s.since), c.map((s) => s.status), now],
  );
  await recordAlertEvents(client, rows.map((a) => ({ orgId: a.orgId, alertId: a.id, kind: "fired" as const, actor: MONITOR_ACTOR })));
  return rows;
}

/** Step 4: resolve the alerts whose execution moved on, ended or disappeared. */
async function resolveAlerts(client: Queryable, resolve: StuckPlan["resolve"], now: Date): Promise<ResolvedRow[]> {
  if (resolve.length === 0) return [];
  const r = resolve;
  const { rows } = await client.query<ResolvedRow>(
    `UPDATE alerts a SET state = 'RESOLVED', "resolvedAt" = $4, resolution = r.resolution, "resolvedByLabel" = 'monitor', "updatedAt" = now()
     FROM unnest($1::uuid[], $2::bigint[], $3::text[]) AS r("orgId", id, resolution)
     WHERE a."orgId" = r."orgId" AND a.id = r.id AND a.state <> 'RESOLVED'
     RETURNING a."orgId", a.id::text, a.reason, a."workflowId"::text AS "workflowId", a."executionId", a.since, a."stormId"::text AS "stormId", a."resolvedAt", a.resolution`,
    [r.map((x) => x.alert.orgId), r.map((x) => x.alert.id), r.map((x) => x.resolution), now],
  );
  await recordAlertEvents(client, rows.map((a) => ({ orgId: a.orgId, alertId: a.id, kind: "resolved" as const, actor: MONITOR_ACTOR, note: a.resolution })));
  return rows;
}

type Facts = (a: { orgId: string; id: string; reason: StuckReason; workflowId: string; executionId: string; since: Date }, status: string | null, extra?: Partial<AlertFacts>) => AlertFacts;

function factsFrom(contexts: Map<string, WorkflowContext>): Facts {
  return (a, status, extra = {}) => {
    const ctx = contexts.get(wfKey(a.orgId, a.workflowId));
    return { id: a.id, orgSlug: ctx?.slug ?? a.orgId, executionId: a.executionId, workflow: ctx?.key ?? a.workflowId, status, reason: a.reason, since: a.since, ...extra };
  };
}

/** Step 5: storm control, per workflow that opened alerts in this sweep; the firing messages. */
async function stormControl(client: Queryable, opened: readonly OpenedRow[], contexts: Map<string, WorkflowContext>, scope: Scope): Promise<{ messages: QueuedMessage[]; storms: number }> {
  const facts = factsFrom(contexts);
  const messages: QueuedMessage[] = [];
  let storms = 0;
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
                 AND "firedAt" >= $4::timestamptz - make_interval(secs => $3)) AS recent,
              (SELECT id::text FROM alert_storms WHERE "orgId" = $1 AND "workflowId" = $2 AND "resolvedAt" IS NULL
                 AND "lastAlertAt" >= $4::timestamptz - make_interval(secs => $3) ORDER BY id DESC LIMIT 1) AS "stormId"`,
      [orgId, workflowId, window, scope.now],
    );
    const decision = stormDecision({ newCount: group.length, recentCount: counts!.recent, activeStormId: counts!.stormId }, { threshold, windowSeconds: window });
    const ids = group.map((a) => a.id);
    if (decision.kind === "individual") {
      for (const a of group) messages.push({ orgId, alertIds: [a.id], message: alertMessage("alert.firing", facts(a, a.executionStatus), scope.base) });
      continue;
    }
    // channels that do not group storms (webhooks by default) still get one message per execution
    for (const a of group) messages.push({ orgId, alertIds: [a.id], message: alertMessage("alert.firing", facts(a, a.executionStatus), scope.base), audience: "ungrouped" });
    let stormId: string;
    if (decision.kind === "join") {
      stormId = decision.stormId;
      await client.query(`UPDATE alert_storms SET "lastAlertAt" = $4, "alertCount" = "alertCount" + $3 WHERE "orgId" = $1 AND id = $2`, [orgId, stormId, group.length, scope.now]);
    } else {
      const {
        rows: [storm],
      } = await client.query<{ id: string }>(
        `INSERT INTO alert_storms ("orgId", "workflowId", reason, "alertCount", "startedAt", "lastAlertAt") VALUES ($1, $2, $3, $4, $5, $5) RETURNING id::text`,
        [orgId, workflowId, group[0]!.reason, decision.count, scope.now],
      );
      stormId = storm!.id;
      storms++;
    }
    await client.query(`UPDATE alerts SET "stormId" = $3 WHERE "orgId" = $1 AND id = ANY($2::bigint[])`, [orgId, ids, stormId]);
    if (decision.kind === "start") {
      const { rows: first } = await client.query<OpenedRow>(
        `SELECT "orgId", id::text, reason, "workflowId"::text AS "workflowId", "executionId", since, "executionStatus", "firedAt"
         FROM alerts WHERE "orgId" = $1 AND "workflowId" = $2 AND "executionId" IS NOT NULL AND "firedAt" >= $5::timestamptz - make_interval(secs => $3)
           AND ("stormId" IS NULL OR "stormId" = $4)
         ORDER BY "firedAt", id LIMIT ${STORM_SAMPLE_SIZE}`,
        [orgId, workflowId, window, stormId, scope.now],
      );
      messages.push({
        orgId,
        alertIds: ids,
        audience: "grouped",
        message: stormMessage(
          "alert.storm",
          { id: stormId, orgSlug: ctx?.slug ?? orgId, workflow: ctx?.key ?? workflowId, count: decision.count, windowSeconds: window, first: first.map((a) => facts(a, a.executionStatus)) },
          scope.base,
        ),
      });
    }
  }
  return { messages, storms };
}

/**
 * Step 6 (pure): resolved notifications; an alert announced as part of a storm resolves silently
 * on the channels that group storms (they get the storm's end instead).
 */
export function resolvedMessages(resolved: readonly ResolvedRow[], statusNow: ReadonlyMap<string, Status | null>, facts: Facts, base: string): QueuedMessage[] {
  return resolved.map((a) => ({
    orgId: a.orgId,
    alertIds: [a.id],
    message: alertMessage("alert.resolved", facts(a, statusNow.get(a.id) ?? null, { resolvedAt: a.resolvedAt, resolution: a.resolution }), base),
    audience: a.stormId === null ? ("all" as const) : ("ungrouped" as const),
  }));
}

/**
 * Step 7: a storm ends as soon as none of its alerts is open, in the same sweep as its last alert
 * resolves. (It used to wait until no alert had joined for a whole storm window as well, which
 * delayed alert.storm.resolved by up to that window, 5 minutes by default.) Alerts that fire
 * after the end count towards a new storm, not this one.
 */
async function endStorms(client: Queryable, scope: Scope): Promise<QueuedMessage[]> {
  const { rows: endedStorms } = await client.query<{ orgId: string; id: string; workflowId: string; alertCount: number; window: number }>(
    `UPDATE alert_storms st SET "resolvedAt" = $2
     FROM alert_storms s LEFT JOIN org_alert_settings os ON os."orgId" = s."orgId"
     WHERE st."orgId" = s."orgId" AND st.id = s.id AND s."resolvedAt" IS NULL AND ($3::uuid[] IS NULL OR s."orgId" = ANY($3::uuid[]))
       AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a."orgId" = s."orgId" AND a."stormId" = s.id AND a.state <> 'RESOLVED')
     RETURNING st."orgId", st.id::text, st."workflowId"::text AS "workflowId", st."alertCount", COALESCE(os."stormWindowSeconds", $1) AS window`,
    [DEFAULT_STORM.windowSeconds, scope.now, scope.orgIds],
  );
  if (endedStorms.length === 0) return [];
  const ctxs = await workflowContexts(client, endedStorms);
  return endedStorms.map((s) => {
    const ctx = ctxs.get(wfKey(s.orgId, s.workflowId));
    return {
      orgId: s.orgId,
      alertIds: [],
      audience: "grouped" as const,
      message: stormMessage("alert.storm.resolved", { id: s.id, orgSlug: ctx?.slug ?? s.orgId, workflow: ctx?.key ?? s.workflowId, count: s.alertCount, windowSeconds: s.window, first: [] }, scope.base),
    };
  });
}

/** Step 8 (pure): executions due for the optional auto-timeout; the caller applies them after the commit. */
export function timeoutTasks(timeOut: StuckPlan["timeOut"], stuck: readonly StuckDbRow[]): TimeoutTask[] {
  const attemptOf = new Map(stuck.map((s) => [`${s.orgId}\u0000${s.executionId}`, s.attempt]));
  return timeOut.map(({ alert, stuck: s }) => ({
    orgId: alert.orgId,
    alertId: alert.id,
    executionId: alert.executionId,
    attempt: attemptOf.get(`${alert.orgId}\u0000${alert.executionId}`) ?? 1,
    reason: alert.reason,
    since: s.since,
    thresholdSeconds: s.thresholdSeconds,
    multiple: s.autoTimeoutMultiple!,
  }));
}

/** The stuck gauge: open stuck alerts by reason, read through the open-alert index. */
async function openStuckByReason(client: Queryable, scope: Scope): Promise<Record<string, number>> {
  const { rows } = await client.query<{ reason: string; n: number }>(
    `SELECT reason, count(*)::int AS n FROM alerts
     WHERE state <> 'RESOLVED' AND "executionId" IS NOT NULL AND ($1::uuid[] IS NULL OR "orgId" = ANY($1::uuid[])) GROUP BY reason`,
    [scope.orgIds],
  );
  return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
}

export async function sweep(client: Queryable, opts: SweepOptions): Promise<SweepResult> {
  const scope: Scope = { now: opts.now, orgIds: opts.orgIds ? [...opts.orgIds] : null, base: opts.baseUrl ?? publicBaseUrl() };
  // the sets are small and already indexed: parallel workers would only add start-up time, and
  // JIT compiling (seconds) is triggered by the planner's estimates, which cannot know that the
  // judged keys are few
  await client.query(`SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off`);
  const { stuck, open } = splitJudged(await judgeChanged(client, scope, opts.full ?? false));
  const plan = planStuckSweep(stuck, open, scope.now);
  const opened = await openAlerts(client, plan.create, scope.now);
  const resolved = await resolveAlerts(client, plan.resolve, scope.now);

  const contexts = await workflowContexts(client, [...opened, ...resolved]);
  const storm = await stormControl(client, opened, contexts, scope);
  const statusNow = new Map(plan.resolve.map((x) => [x.alert.id, x.alert.currentStatus]));
  const messages = [...storm.messages, ...resolvedMessages(resolved, statusNow, factsFrom(contexts), scope.base), ...(await endStorms(client, scope))];

  const result: SweepResult = {
    now: scope.now,
    stuck: stuck.length,
    stuckByReason: opts.countStuck === false ? null : await openStuckByReason(client, scope),
    opened: opened.map((a) => ({ orgId: a.orgId, alertId: a.id, executionId: a.executionId, reason: a.reason })),
    resolved: resolved.length,
    storms: storm.storms,
    notifications: 0,
    timeOuts: timeoutTasks(plan.timeOut, stuck),
    failureRateChecked: false,
  };
  if (opts.failureRate) {
    result.failureRateChecked = true;
    messages.push(...(await failureRateSweep(client, scope)));
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
  WHERE e."completedAt" >= $1::timestamptz - make_interval(secs => (SELECT secs FROM horizon))
    AND e."completedAt" >= $1::timestamptz - make_interval(secs => COALESCE(ws."failureRateWindowSeconds", os."failureRateWindowSeconds", 900))
    AND ($2::uuid[] IS NULL OR e."orgId" = ANY($2::uuid[]))
  GROUP BY e."orgId", e."workflowId"
), open AS (
  SELECT "orgId", "workflowId", id, since FROM alerts WHERE state <> 'RESOLVED' AND "executionId" IS NULL AND reason = 'failure_rate' AND ($2::uuid[] IS NULL OR "orgId" = ANY($2::uuid[]))
), held AS (
  SELECT "orgId", "workflowId", array_agg(id::text) AS ids FROM alerts WHERE "holdsRule" AND reason = 'failure_rate' AND ($2::uuid[] IS NULL OR "orgId" = ANY($2::uuid[])) GROUP BY 1, 2
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

/** Step 9: the failure-rate rule, per workflow with finished executions in its window or an open alert. */
async function failureRateSweep(client: Queryable, scope: Scope): Promise<{ orgId: string; alertIds: string[]; message: Message }[]> {
  const base = scope.base;
  const { rows } = await client.query<RateRow>(FAILURE_RATE_SQL, [scope.now, scope.orgIds]);
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
        `INSERT INTO alerts ("orgId", reason, "workflowId", since, details, "firedAt") VALUES ($1, 'failure_rate', $2, $4, $3, $4)
         ON CONFLICT DO NOTHING RETURNING id::text, since`,
        [r.orgId, r.workflowId, JSON.stringify({ failureRate }), scope.now],
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
        `UPDATE alerts SET state = 'RESOLVED', "resolvedAt" = $5, resolution = $3, "resolvedByLabel" = 'monitor', "updatedAt" = now(),
           details = COALESCE(details, '{}'::jsonb) || jsonb_build_object('resolvedAt', $4::jsonb)
         WHERE "orgId" = $1 AND id = $2 AND state <> 'RESOLVED' RETURNING id::text, since, "resolvedAt"`,
        [r.orgId, r.openAlertId, resolution, JSON.stringify({ failureRate }), scope.now],
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
