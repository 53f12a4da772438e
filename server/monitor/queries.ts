// The SQL of the monitor (server/db/sql.ts): the stuck sweep's judgement (set-based, one
// statement, below), its writes (alerts opened and resolved, storms, the failure-rate rule), the
// missed-run check, the leader lease and the deferred-event clean-up. The sweep's statements are
// raw SQL on purpose: they diff sets of executions against sets of alerts in one round trip.
// Plan tests and benchmarks EXPLAIN the very same text through the *Sql() accessors.
import { z } from "zod";
import { RESOLUTIONS } from "../alerts/rules";
import { defineCommand, defineQuery, type Queryable, type SqlText } from "../db/sql";
import { STATUSES } from "../executions/status";
import { stuckSql } from "../executions/stuck";
import { STUCK_OVERLAP_SECONDS } from "../executions/stuck-recheck";

const stuckReason = z.enum(["scheduled", "running"]);
const status = z.enum(STATUSES);
const resolution = z.enum(RESOLUTIONS);

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
SELECT o.id AS "orgId", t.fingerprint, o."stuckScheduledAfterSeconds" AS "orgSched", o."stuckRunningAfterSeconds" AS "orgRun",
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

/**
 * Executions of scope s whose floor-threshold crossing lies in [s.fromAt, $1): a superset of the
 * newly stuck, with the columns their verdict needs, read once from the partial indexes' entries:
 * the indexes carry these columns, and the status is the one of the index's predicate (written
 * as a constant, not read), so the crossing is an index-only scan, not a heap visit per execution.
 */
const crossedColumns = (status: "SCHEDULED" | "RUNNING" | null) =>
  `e."executionId", e."workflowId", ${status ? `'${status}'::"ExecutionStatus" AS status` : "e.status"}, e.attempt, e."statusChangedAt", e."startedAt", e."lastHeartbeatAt", e."lastEventAt"`;
const CROSSED_SQL = `
SELECT s."orgId", s."orgSched", s."orgRun", ${crossedColumns(null)}
FROM scope s
CROSS JOIN LATERAL (
  SELECT ${crossedColumns("SCHEDULED")} FROM executions e
  WHERE e."orgId" = s."orgId" AND e.status = 'SCHEDULED'
    AND ${RULE.scheduledSince} < $1::timestamptz - make_interval(secs => s."minSched")
    AND ${RULE.scheduledSince} >= COALESCE(s."fromAt" - make_interval(secs => s."maxSched"), '-infinity')
  UNION ALL
  SELECT ${crossedColumns("RUNNING")} FROM executions e
  WHERE e."orgId" = s."orgId" AND e.status = 'RUNNING'
    AND ${RULE.signOfLife} < $1::timestamptz - make_interval(secs => s."minRun")
    AND ${RULE.signOfLife} >= COALESCE(s."fromAt" - make_interval(secs => s."maxRun"), '-infinity')
) e`;

/** The verdict at $1 of an execution row `e` of workflow `w`, given its organization's thresholds: v.reason NULL when not stuck. */
const verdictSql = (orgSched: string, orgRun: string) => `LEFT JOIN LATERAL (
    SELECT r.reason, r.since, r.secs FROM (
      SELECT CASE e.status WHEN 'SCHEDULED' THEN 'scheduled' WHEN 'RUNNING' THEN 'running' END AS reason,
             ${RULE.since} AS since,
             CASE e.status WHEN 'SCHEDULED' THEN COALESCE(w."stuckScheduledAfterSeconds", ${orgSched})
                           ELSE COALESCE(w."stuckRunningAfterSeconds", ${orgRun}) END AS secs
    ) r WHERE r.reason IS NOT NULL AND ${RULE.olderThan("r.since", "r.secs")}
  ) v ON true`;

/**
 * The crossed executions with their verdict, set-based: from the rows the crossing already read
 * (with their organization's thresholds from scope), joined to their workflow, never looked up
 * again by key.
 */
const JUDGE_CROSSED_SQL = `
SELECT e."orgId", e."executionId", e."workflowId"::text AS "workflowId", e.status, e.attempt, v.reason, v.since, v.secs AS "thresholdSeconds", ws."autoTimeoutMultiple"
FROM crossed e
JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
LEFT JOIN workflow_alert_settings ws ON ws."orgId" = e."orgId" AND ws."workflowId" = e."workflowId"
${verdictSql('e."orgSched"', 'e."orgRun"')}`;

/**
 * The other judged keys (rechecked, watched, audited, less the crossed) with their verdict (status
 * NULL: gone). Each is looked up on its own (LIMIT 1 keeps the lookup a nested loop over the
 * unique index: the planner cannot know that the keys are few, and would rather hash-join every
 * execution); they are few, as what is still stuck was crossed.
 */
const JUDGE_KEYS_SQL = `
SELECT k."orgId", k."executionId", x."workflowId", x.status, x.attempt, x.reason, x.since, x."thresholdSeconds", x."autoTimeoutMultiple"
FROM keys k
LEFT JOIN LATERAL (
  SELECT e."workflowId"::text AS "workflowId", e.status, e.attempt, v.reason, v.since, v.secs AS "thresholdSeconds", ws."autoTimeoutMultiple"
  FROM executions e
  JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
  JOIN organizations o ON o.id = e."orgId"
  LEFT JOIN workflow_alert_settings ws ON ws."orgId" = e."orgId" AND ws."workflowId" = e."workflowId"
  ${verdictSql('o."stuckScheduledAfterSeconds"', 'o."stuckRunningAfterSeconds"')}
  WHERE e."orgId" = k."orgId" AND e."executionId" = k."executionId"
  LIMIT 1
) x ON true`;

/**
 * The diff's one read (and its two writes: the rechecks it consumes and the checkpoints it moves
 * on): each judged execution, once per open execution alert it has (alert columns NULL when none).
 */
const STUCK_DIFF_SQL = `
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
  -- an anti-join (hashed) rather than EXCEPT (sorted): on a full sweep both sides hold every stuck execution
  SELECT k."orgId", k."executionId" FROM (
    SELECT "orgId", "executionId" FROM rechecked UNION ALL SELECT "orgId", "executionId" FROM watched
    UNION ALL SELECT "orgId", "executionId" FROM audited
  ) k
  WHERE NOT EXISTS (SELECT 1 FROM crossed c WHERE c."orgId" = k."orgId" AND c."executionId" = k."executionId")
  GROUP BY 1, 2
), judged AS (${JUDGE_CROSSED_SQL}
  UNION ALL ${JUDGE_KEYS_SQL}
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
 * crossed is MATERIALIZED as in the diff (which reads it twice): inlined, the planner joined the
 * scope to every workflow first and read each organization's crossing once per workflow (10 times
 * over at 10M executions: 4.7 s of SQL instead of 0.2 s).
 */
const STUCK_SWEEP_SQL = `
WITH scope AS MATERIALIZED (${SCOPE_SQL.replace("NOT $3::boolean AND ", "false AND ")}
), crossed AS MATERIALIZED (${CROSSED_SQL}
), judged AS (${JUDGE_CROSSED_SQL}
)
SELECT * FROM judged WHERE reason IS NOT NULL`;

const judgedRow = z.object({
  orgId: z.string(),
  executionId: z.string(),
  workflowId: z.string().nullable(),
  status: status.nullable(),
  attempt: z.number().nullable(),
  reason: stuckReason.nullable(),
  since: z.date().nullable(),
  thresholdSeconds: z.number().nullable(),
  autoTimeoutMultiple: z.number().nullable(),
});
const diffRow = judgedRow.extend({ alertId: z.string().nullable(), alertReason: stuckReason.nullable(), alertSince: z.date().nullable(), alertTimedOutAt: z.date().nullable() });
export type JudgedRow = z.output<typeof diffRow>;

const STUCK_DIFF = defineQuery("monitor.stuckDiff", STUCK_DIFF_SQL, diffRow);
// the stuck set holds only judged-stuck rows: every verdict column is there
const stuckRow = judgedRow.extend({ workflowId: z.string(), status, attempt: z.number(), reason: stuckReason, since: z.date(), thresholdSeconds: z.number() });
const STUCK_SET = defineQuery("monitor.stuckSet", STUCK_SWEEP_SQL, stuckRow);

/** The diff's statement, for EXPLAIN (plan tests, benchmarks). */
export const stuckDiffSql = (now: Date, orgIds: readonly string[] | null, full: boolean): SqlText => ({ text: STUCK_DIFF_SQL, values: [now, orgIds, full] });
/** The full stuck set's statement, for EXPLAIN (plan tests, benchmarks). */
export const stuckSetSql = (now: Date, orgIds: readonly string[] | null): SqlText => ({ text: STUCK_SWEEP_SQL, values: [now, orgIds] });

/** The judged executions at `now`, each once per open execution alert it has; consumes the rechecks and moves the checkpoints on. */
export const stuckDiff = (db: Queryable, now: Date, orgIds: readonly string[] | null, full: boolean) => STUCK_DIFF.all(db, [now, orgIds, full]);
/**
 * Every execution stuck at `now` in the organizations (null: all), as the sweep judges them: the
 * full set the incremental sweep keeps its alerts equal to. Read-only; for tests and benchmarks.
 */
export const stuckSet = (db: Queryable, now: Date, orgIds: readonly string[] | null) => STUCK_SET.all(db, [now, orgIds]);

// the sets are small and already indexed: parallel workers would only add start-up time, and JIT
// compiling (seconds) is triggered by the planner's estimates, which cannot know that the judged
// keys are few
const SWEEP_SETTINGS = defineCommand("monitor.sweepSettings", `SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off`);
export const applySweepSettings = (db: Queryable) => SWEEP_SETTINGS.run(db, []);

// --- The sweep's writes -------------------------------------------------------------------------

const workflowContextRow = z.object({ orgId: z.string(), workflowId: z.string(), key: z.string(), slug: z.string(), stormThreshold: z.number(), stormWindowSeconds: z.number() });
export type WorkflowContextRow = z.output<typeof workflowContextRow>;
const WORKFLOW_CONTEXTS = defineQuery(
  "monitor.workflowContexts",
  `SELECT w."orgId"::text AS "orgId", w.id::text AS "workflowId", w.key, o.slug,
          COALESCE(s."stormThreshold", $3) AS "stormThreshold", COALESCE(s."stormWindowSeconds", $4) AS "stormWindowSeconds"
   FROM unnest($1::uuid[], $2::bigint[]) AS p("orgId", id)
   JOIN workflows w ON w."orgId" = p."orgId" AND w.id = p.id
   JOIN organizations o ON o.id = w."orgId"
   LEFT JOIN org_alert_settings s ON s."orgId" = w."orgId"`,
  workflowContextRow,
);
/** Each workflow's key, its organization's slug and storm settings (defaults where none are set). */
export const workflowContextRows = (db: Queryable, pairs: readonly { orgId: string; workflowId: string }[], defaults: { threshold: number; windowSeconds: number }) =>
  WORKFLOW_CONTEXTS.all(db, [pairs.map((p) => p.orgId), pairs.map((p) => p.workflowId), defaults.threshold, defaults.windowSeconds]);

const openedRow = z.object({ orgId: z.string(), id: z.string(), reason: stuckReason, workflowId: z.string(), executionId: z.string(), since: z.date(), executionStatus: status, firedAt: z.date() });
export type OpenedRow = z.output<typeof openedRow>;
const OPENED_COLUMNS = `"orgId"::text AS "orgId", id::text, reason, "workflowId"::text AS "workflowId", "executionId", since, "executionStatus", "firedAt"`;

// Episodes already on record (alerts_episode_key): an execution whose alert was resolved by hand
// while it stays stuck since the same moment gets no new alert. Read before the insert, so storm
// control decides on the alerts that will really open and can write their storm with them.
const KNOWN_EPISODES = defineQuery(
  "monitor.knownEpisodes",
  `SELECT x."orgId"::text AS "orgId", x."executionId", x.reason
   FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) AS x("orgId", "executionId", reason, since)
   WHERE EXISTS (SELECT 1 FROM alerts a WHERE a."orgId" = x."orgId" AND a."executionId" = x."executionId" AND a.reason = x.reason AND a.since = x.since)`,
  z.object({ orgId: z.string(), executionId: z.string(), reason: z.string() }),
);
export const knownEpisodes = (db: Queryable, rows: readonly { orgId: string; executionId: string; reason: string; since: Date }[]) =>
  KNOWN_EPISODES.all(db, [rows.map((r) => r.orgId), rows.map((r) => r.executionId), rows.map((r) => r.reason), rows.map((r) => r.since)]);

// ON CONFLICT: a race (another monitor past the lease, a concurrent manual resolve) got there
// first; only rows inserted here notify. stormId: the storm the alert joins or starts, if any.
const OPEN_ALERTS = defineQuery(
  "monitor.openAlerts",
  `INSERT INTO alerts ("orgId", reason, "workflowId", "executionId", since, "executionStatus", "stormId", "firedAt")
   SELECT x.*, $8::timestamptz FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[], $6::"ExecutionStatus"[], $7::bigint[]) AS x
   ON CONFLICT DO NOTHING
   RETURNING ${OPENED_COLUMNS}`,
  openedRow,
);
export type StuckAlertInsert = { orgId: string; reason: string; workflowId: string; executionId: string; since: Date; status: string; stormId: string | null };
export const insertStuckAlerts = (db: Queryable, rows: readonly StuckAlertInsert[], firedAt: Date) =>
  OPEN_ALERTS.all(db, [
    rows.map((s) => s.orgId),
    rows.map((s) => s.reason),
    rows.map((s) => s.workflowId),
    rows.map((s) => s.executionId),
    rows.map((s) => s.since),
    rows.map((s) => s.status),
    rows.map((s) => s.stormId),
    firedAt,
  ]);

const RESOLVE_ALERTS = defineQuery(
  "monitor.resolveAlerts",
  `UPDATE alerts a SET state = 'RESOLVED', "resolvedAt" = $4, resolution = r.resolution, "resolvedByLabel" = 'monitor', "updatedAt" = now()
   FROM unnest($1::uuid[], $2::bigint[], $3::text[]) AS r("orgId", id, resolution)
   WHERE a."orgId" = r."orgId" AND a.id = r.id AND a.state <> 'RESOLVED'
   RETURNING a."orgId"::text AS "orgId", a.id::text, a.reason, a."workflowId"::text AS "workflowId", a."executionId", a.since, a."stormId"::text AS "stormId", a."resolvedAt", a.resolution`,
  z.object({ orgId: z.string(), id: z.string(), reason: stuckReason, workflowId: z.string(), executionId: z.string(), since: z.date(), stormId: z.string().nullable(), resolvedAt: z.date(), resolution }),
);
export type ResolvedRow = Awaited<ReturnType<typeof RESOLVE_ALERTS.all>>[number];
export const resolveStuckAlerts = (db: Queryable, rows: readonly { orgId: string; id: string; resolution: string }[], at: Date) =>
  RESOLVE_ALERTS.all(db, [rows.map((x) => x.orgId), rows.map((x) => x.id), rows.map((x) => x.resolution), at]);

// --- Storm control, for every workflow that opened alerts in a sweep at once --------------------

// per workflow: its execution alerts not in a storm that fired within its window (through
// alerts_orgId_workflowId_firedAt_idx), and its open storm that an alert joined within the window
// (alert_storms_orgId_workflowId_lastAlertAt_idx)
const STORM_STATE_SQL = `SELECT g."orgId"::text AS "orgId", g."workflowId"::text AS "workflowId", r.recent, st.id AS "stormId"
   FROM unnest($1::uuid[], $2::bigint[], $3::int[]) AS g("orgId", "workflowId", secs)
   CROSS JOIN LATERAL (
     SELECT count(*)::int AS recent FROM alerts a
     WHERE a."orgId" = g."orgId" AND a."workflowId" = g."workflowId" AND a."executionId" IS NOT NULL AND a."stormId" IS NULL
       AND a."firedAt" >= $4::timestamptz - make_interval(secs => g.secs)
   ) r
   LEFT JOIN LATERAL (
     SELECT s.id::text AS id FROM alert_storms s
     WHERE s."orgId" = g."orgId" AND s."workflowId" = g."workflowId" AND s."resolvedAt" IS NULL
       AND s."lastAlertAt" >= $4::timestamptz - make_interval(secs => g.secs)
     ORDER BY s.id DESC LIMIT 1
   ) st ON true`;
const STORM_STATE = defineQuery("monitor.stormState", STORM_STATE_SQL, z.object({ orgId: z.string(), workflowId: z.string(), recent: z.number(), stormId: z.string().nullable() }));
export type StormGroup = { orgId: string; workflowId: string; windowSeconds: number };
const stormStateValues = (groups: readonly StormGroup[], now: Date) => [groups.map((g) => g.orgId), groups.map((g) => g.workflowId), groups.map((g) => g.windowSeconds), now];
/** The statement, for EXPLAIN (plan tests). */
export const stormStateSql = (groups: readonly StormGroup[], now: Date): SqlText => ({ text: STORM_STATE_SQL, values: stormStateValues(groups, now) });
export const stormStateRows = (db: Queryable, groups: readonly StormGroup[], now: Date) => STORM_STATE.all(db, stormStateValues(groups, now));

const JOIN_STORMS = defineCommand(
  "monitor.joinStorms",
  `UPDATE alert_storms s SET "lastAlertAt" = $4, "alertCount" = s."alertCount" + j.n
   FROM unnest($1::uuid[], $2::bigint[], $3::int[]) AS j("orgId", id, n)
   WHERE s."orgId" = j."orgId" AND s.id = j.id`,
);
export const joinStorms = (db: Queryable, joins: readonly { orgId: string; stormId: string; count: number }[], at: Date) =>
  JOIN_STORMS.run(db, [joins.map((j) => j.orgId), joins.map((j) => j.stormId), joins.map((j) => j.count), at]);

const START_STORMS = defineQuery(
  "monitor.startStorms",
  `INSERT INTO alert_storms ("orgId", "workflowId", reason, "alertCount", "startedAt", "lastAlertAt")
   SELECT x."orgId", x."workflowId", x.reason, x.n, $5, $5 FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::int[]) AS x("orgId", "workflowId", reason, n)
   RETURNING "orgId"::text AS "orgId", "workflowId"::text AS "workflowId", id::text`,
  z.object({ orgId: z.string(), workflowId: z.string(), id: z.string() }),
);
export const startStorms = (db: Queryable, starts: readonly { orgId: string; workflowId: string; reason: string; count: number }[], at: Date) =>
  START_STORMS.all(db, [starts.map((s) => s.orgId), starts.map((s) => s.workflowId), starts.map((s) => s.reason), starts.map((s) => s.count), at]);

// a storm started for alerts a race kept from opening counts only those that did
const RECOUNT_STORMS = defineCommand(
  "monitor.recountStorms",
  `UPDATE alert_storms s SET "alertCount" = x.n FROM unnest($1::uuid[], $2::bigint[], $3::int[]) AS x("orgId", id, n)
   WHERE s."orgId" = x."orgId" AND s.id = x.id`,
);
export const recountStorms = (db: Queryable, rows: readonly { orgId: string; stormId: string; count: number }[]) =>
  RECOUNT_STORMS.run(db, [rows.map((r) => r.orgId), rows.map((r) => r.stormId), rows.map((r) => r.count)]);

// the first alerts of each new storm (the storm's message names them), through
// alerts_orgId_workflowId_firedAt_idx
const STORM_SAMPLES_SQL = `SELECT g."stormId"::text AS "stormId", a.*
   FROM unnest($1::uuid[], $2::bigint[], $3::int[], $4::bigint[]) AS g("orgId", "workflowId", secs, "stormId")
   CROSS JOIN LATERAL (
     SELECT ${OPENED_COLUMNS} FROM alerts a
     WHERE a."orgId" = g."orgId" AND a."workflowId" = g."workflowId" AND a."executionId" IS NOT NULL
       AND a."firedAt" >= $6::timestamptz - make_interval(secs => g.secs) AND (a."stormId" IS NULL OR a."stormId" = g."stormId")
     ORDER BY a."firedAt", a.id LIMIT $5
   ) a`;
const STORM_SAMPLES = defineQuery("monitor.stormSamples", STORM_SAMPLES_SQL, openedRow.extend({ stormId: z.string() }));
type NewStorm = StormGroup & { stormId: string };
const stormSampleValues = (storms: readonly NewStorm[], size: number, now: Date) => [storms.map((s) => s.orgId), storms.map((s) => s.workflowId), storms.map((s) => s.windowSeconds), storms.map((s) => s.stormId), size, now];
/** The statement, for EXPLAIN (plan tests). */
export const stormSamplesSql = (storms: readonly NewStorm[], size: number, now: Date): SqlText => ({ text: STORM_SAMPLES_SQL, values: stormSampleValues(storms, size, now) });
export const stormSampleRows = (db: Queryable, storms: readonly NewStorm[], size: number, now: Date) => STORM_SAMPLES.all(db, stormSampleValues(storms, size, now));

// a storm ends as soon as none of its alerts is open: each open storm (alert_storms_open_idx)
// probes alerts_open_storm_idx once. No self-join for the settings (a subquery per ended storm):
// joining alert_storms to itself cost a scan and 20 ms at 1,000 open storms, this 2 ms.
const END_STORMS = defineQuery(
  "monitor.endStorms",
  `UPDATE alert_storms st SET "resolvedAt" = $2
   WHERE st."resolvedAt" IS NULL AND ($3::uuid[] IS NULL OR st."orgId" = ANY($3::uuid[]))
     AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a."orgId" = st."orgId" AND a."stormId" = st.id AND a.state <> 'RESOLVED')
   RETURNING st."orgId"::text AS "orgId", st.id::text, st."workflowId"::text AS "workflowId", st."alertCount",
     COALESCE((SELECT os."stormWindowSeconds" FROM org_alert_settings os WHERE os."orgId" = st."orgId"), $1) AS window`,
  z.object({ orgId: z.string(), id: z.string(), workflowId: z.string(), alertCount: z.number(), window: z.number() }),
);
export const endQuietStorms = (db: Queryable, now: Date, orgIds: readonly string[] | null, defaultWindowSeconds: number) => END_STORMS.all(db, [defaultWindowSeconds, now, orgIds]);

// the stuck gauge, through alerts_open_idx
const OPEN_STUCK_BY_REASON = defineQuery(
  "monitor.openStuckByReason",
  `SELECT reason, count(*)::int AS n FROM alerts
   WHERE state <> 'RESOLVED' AND "executionId" IS NOT NULL AND ($1::uuid[] IS NULL OR "orgId" = ANY($1::uuid[])) GROUP BY reason`,
  z.object({ reason: z.string(), n: z.number() }),
);
export const openStuckByReasonRows = (db: Queryable, orgIds: readonly string[] | null) => OPEN_STUCK_BY_REASON.all(db, [orgIds]);

// --- The failure-rate rule ----------------------------------------------------------------------

// Counts per workflow over the executions that finished within its window, read per
// organization in scope as one range of executions_orgId_completedAt_idx (back to the widest
// window any of its rules uses), plus every workflow with an open failure-rate alert
// (alerts_open_workflow_key) or a held rule (alerts_holds_rule_idx), so those resolve when
// nothing fails any more.
const FAILURE_RATE_SQL = `
WITH horizon AS (
  SELECT o.id AS "orgId",
         GREATEST(900, COALESCE(os."failureRateWindowSeconds", 0),
                  COALESCE((SELECT max(ws."failureRateWindowSeconds") FROM workflow_alert_settings ws WHERE ws."orgId" = o.id), 0)) AS secs
  FROM organizations o LEFT JOIN org_alert_settings os ON os."orgId" = o.id
  WHERE $2::uuid[] IS NULL OR o.id = ANY($2::uuid[])
), counts AS (
  SELECT h."orgId", e."workflowId", count(*)::int AS total, count(*) FILTER (WHERE e.status IN ('FAILED', 'TIMED_OUT'))::int AS failed
  FROM horizon h
  CROSS JOIN LATERAL (
    SELECT e."workflowId", e.status, e."completedAt" FROM executions e
    WHERE e."orgId" = h."orgId" AND e."completedAt" >= $1::timestamptz - make_interval(secs => h.secs)
    -- OFFSET 0: a range per organization; flattened, the planner cannot see that the window is
    -- short and would hash-join every execution
    OFFSET 0
  ) e
  LEFT JOIN workflow_alert_settings ws ON ws."orgId" = h."orgId" AND ws."workflowId" = e."workflowId"
  LEFT JOIN org_alert_settings os ON os."orgId" = h."orgId"
  WHERE e."completedAt" >= $1::timestamptz - make_interval(secs => COALESCE(ws."failureRateWindowSeconds", os."failureRateWindowSeconds", 900))
  GROUP BY h."orgId", e."workflowId"
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

const FAILURE_RATE = defineQuery(
  "monitor.failureRate",
  FAILURE_RATE_SQL,
  z.object({
    orgId: z.string(),
    workflowId: z.string(),
    key: z.string(),
    slug: z.string(),
    total: z.number(),
    failed: z.number(),
    wfEnabled: z.boolean().nullable(),
    wfPercent: z.number().nullable(),
    wfMin: z.number().nullable(),
    wfWindow: z.number().nullable(),
    orgEnabled: z.boolean().nullable(),
    orgPercent: z.number().nullable(),
    orgMin: z.number().nullable(),
    orgWindow: z.number().nullable(),
    openAlertId: z.string().nullable(),
    openSince: z.date().nullable(),
    heldAlertIds: z.array(z.string()).nullable(),
  }),
);
export const failureRateSql = (now: Date, orgIds: readonly string[] | null): SqlText => ({ text: FAILURE_RATE_SQL, values: [now, orgIds] });
export const failureRateRows = (db: Queryable, now: Date, orgIds: readonly string[] | null) => FAILURE_RATE.all(db, [now, orgIds]);

const FIRE_RATE_ALERT = defineQuery(
  "monitor.fireRateAlert",
  `INSERT INTO alerts ("orgId", reason, "workflowId", since, details, "firedAt") VALUES ($1, 'failure_rate', $2, $4, $3, $4)
   ON CONFLICT DO NOTHING RETURNING id::text, since`,
  z.object({ id: z.string(), since: z.date() }),
);
/** The workflow's failure-rate alert, unless one is open already (alerts_open_workflow_key): null then. */
export const fireRateAlert = (db: Queryable, orgId: string, workflowId: string, details: unknown, at: Date) => FIRE_RATE_ALERT.first(db, [orgId, workflowId, JSON.stringify(details), at]);

const RESOLVE_RATE_ALERT = defineQuery(
  "monitor.resolveRateAlert",
  `UPDATE alerts SET state = 'RESOLVED', "resolvedAt" = $5, resolution = $3, "resolvedByLabel" = 'monitor', "updatedAt" = now(),
     details = COALESCE(details, '{}'::jsonb) || jsonb_build_object('resolvedAt', $4::jsonb)
   WHERE "orgId" = $1 AND id = $2 AND state <> 'RESOLVED' RETURNING id::text, since, "resolvedAt"`,
  z.object({ id: z.string(), since: z.date(), resolvedAt: z.date() }),
);
export const resolveRateAlert = (db: Queryable, orgId: string, alertId: string, resolution: string, atResolve: unknown, at: Date) =>
  RESOLVE_RATE_ALERT.first(db, [orgId, alertId, resolution, JSON.stringify(atResolve), at]);

const RELEASE_HOLDS = defineCommand("monitor.releaseHolds", `UPDATE alerts SET "holdsRule" = false WHERE "orgId" = $1 AND id = ANY($2::bigint[])`);
export const releaseHolds = (db: Queryable, orgId: string, alertIds: readonly string[]) => RELEASE_HOLDS.run(db, [orgId, alertIds]);

// --- The auto-timeout -------------------------------------------------------------------------

const MARK_TIMED_OUT = defineCommand("monitor.markTimedOut", `UPDATE alerts SET "timedOutAt" = $3, "updatedAt" = now() WHERE "orgId" = $1 AND id = $2 AND "timedOutAt" IS NULL`);
/** Marks the alert's execution as timed out by the monitor; false when it was marked already. */
export const markAlertTimedOut = async (db: Queryable, orgId: string, alertId: string, at: Date) => (await MARK_TIMED_OUT.run(db, [orgId, alertId, at])) === 1;

// --- The missed-run check -----------------------------------------------------------------------

// The scheduled workflows due to be checked (workflows_missed_check_idx: their bookmark passed,
// or none is set) and every workflow with an open missed alert (to count, or resolve it when an
// execution arrived or the schedule changed or went), each with its newest execution's createdAt
// and its latest missed alert. Workflows whose next slot is still ahead are not read at all.
const MISSED_CHECK_SQL = `
WITH keys AS (
  SELECT w."orgId", w.id FROM workflows w
  WHERE w.schedule IS NOT NULL AND (w."missedCheckAt" IS NULL OR w."missedCheckAt" <= $1) AND ($2::uuid[] IS NULL OR w."orgId" = ANY($2::uuid[]))
  UNION
  SELECT a."orgId", a."workflowId" FROM alerts a
  WHERE a.state <> 'RESOLVED' AND a."executionId" IS NULL AND a.reason = 'missed' AND ($2::uuid[] IS NULL OR a."orgId" = ANY($2::uuid[]))
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

const MISSED_CHECK = defineQuery(
  "monitor.missedCheck",
  MISSED_CHECK_SQL,
  z.object({
    orgId: z.string(),
    workflowId: z.string(),
    key: z.string(),
    slug: z.string(),
    schedule: z.unknown(),
    scheduleSetAt: z.date().nullable(),
    missedCheckAt: z.date().nullable(),
    lastExecutionAt: z.date().nullable(),
    alertId: z.string().nullable(),
    alertOpen: z.boolean().nullable(),
    alertSince: z.date().nullable(),
    alertDetails: z.unknown(),
  }),
);
export const missedCheckSql = (now: Date, orgIds: readonly string[] | null = null): SqlText => ({ text: MISSED_CHECK_SQL, values: [now, orgIds] });
/** The workflows the missed-run check reads at `now`, in the organizations `orgIds` (null: all). */
export const missedCheckRows = (db: Queryable, now: Date, orgIds: readonly string[] | null = null) => MISSED_CHECK.all(db, [now, orgIds]);

const STAMP_SCHEDULE = defineCommand("monitor.stampSchedule", `UPDATE workflows SET "scheduleSetAt" = $3 WHERE "orgId" = $1 AND id = $2 AND "scheduleSetAt" IS NULL`);
export const stampScheduleSetAt = (db: Queryable, orgId: string, workflowId: string, at: Date) => STAMP_SCHEDULE.run(db, [orgId, workflowId, at]);

// ON CONFLICT: alerts_open_workflow_key allows one open missed alert per workflow
const FIRE_MISSED = defineQuery(
  "monitor.fireMissed",
  `INSERT INTO alerts ("orgId", reason, "workflowId", since, details) VALUES ($1, 'missed', $2, $3, $4)
   ON CONFLICT DO NOTHING RETURNING id::text, since`,
  z.object({ id: z.string(), since: z.date() }),
);
export const fireMissedAlert = (db: Queryable, orgId: string, workflowId: string, since: Date, details: unknown) => FIRE_MISSED.first(db, [orgId, workflowId, since, JSON.stringify(details)]);

const COUNT_MISSED = defineCommand("monitor.countMissed", `UPDATE alerts SET details = $3, "updatedAt" = now() WHERE "orgId" = $1 AND id = $2 AND state <> 'RESOLVED'`);
export const updateMissedDetails = (db: Queryable, orgId: string, alertId: string, details: unknown) => COUNT_MISSED.run(db, [orgId, alertId, JSON.stringify(details)]);

const RESOLVE_MISSED = defineQuery(
  "monitor.resolveMissed",
  `UPDATE alerts SET state = 'RESOLVED', "resolvedAt" = now(), resolution = $3, "resolvedByLabel" = 'monitor', "updatedAt" = now()
   WHERE "orgId" = $1 AND id = $2 AND state <> 'RESOLVED' RETURNING id::text, since, "resolvedAt", details`,
  z.object({ id: z.string(), since: z.date(), resolvedAt: z.date(), details: z.unknown() }),
);
export const resolveMissedAlert = (db: Queryable, orgId: string, alertId: string, resolution: string) => RESOLVE_MISSED.first(db, [orgId, alertId, resolution]);

const MOVE_BOOKMARKS = defineCommand(
  "monitor.moveBookmarks",
  `UPDATE workflows w SET "missedCheckAt" = b.at FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[]) AS b("orgId", id, at)
   WHERE w."orgId" = b."orgId" AND w.id = b.id`,
);
export const moveMissedBookmarks = (db: Queryable, bookmarks: readonly { orgId: string; workflowId: string; at: Date | null }[]) =>
  MOVE_BOOKMARKS.run(db, [bookmarks.map((b) => b.orgId), bookmarks.map((b) => b.workflowId), bookmarks.map((b) => b.at)]);

// --- Deferred events past their time -----------------------------------------------------------

const DROP_DEFERRED = defineCommand("monitor.dropDeferred", `DELETE FROM deferred_events WHERE "receivedAt" < $1`);
export const dropDeferredBefore = (db: Queryable, cutoff: Date) => DROP_DEFERRED.run(db, [cutoff]);

// --- The leader lease (server/monitor/lease.ts) -------------------------------------------------

const TRY_LOCK = defineQuery("monitor.tryLock", `SELECT pg_try_advisory_lock($1, $2) AS locked`, z.object({ locked: z.boolean() }));
export const tryAdvisoryLock = async (db: Queryable, key: readonly [number, number]) => (await TRY_LOCK.one(db, [key[0], key[1]])).locked;

const UNLOCK = defineQuery("monitor.unlock", `SELECT pg_advisory_unlock($1, $2) AS unlocked`, z.object({ unlocked: z.boolean() }));
export const advisoryUnlock = (db: Queryable, key: readonly [number, number]) => UNLOCK.one(db, [key[0], key[1]]);

const LOCK_HELD = defineQuery(
  "monitor.lockHeld",
  `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
     AND classid = $1 AND objid = $2 AND objsubid = 2 AND granted) AS held`,
  z.object({ held: z.boolean() }),
);
/** Whether this session holds the two-int advisory lock `key`. */
export const advisoryLockHeld = async (db: Queryable, key: readonly [number, number]) => (await LOCK_HELD.one(db, [key[0], key[1]])).held;

const RENEW_LEASE = defineCommand("monitor.renewLease", `UPDATE monitor_leases SET "renewedAt" = now() WHERE name = $1 AND token = $2 AND holder = $3`);
/** True when the lease row still names this holder and token (fencing). */
export const renewLease = async (db: Queryable, lease: { name: string; token: string | null; holder: string }) => (await RENEW_LEASE.run(db, [lease.name, lease.token, lease.holder])) === 1;

const TAKE_OVER = defineQuery(
  "monitor.takeOver",
  `INSERT INTO monitor_leases (name, token, holder, "acquiredAt", "renewedAt") VALUES ($1, 1, $2, now(), now())
   ON CONFLICT (name) DO UPDATE SET token = monitor_leases.token + 1, holder = EXCLUDED.holder, "acquiredAt" = now(), "renewedAt" = now()
   RETURNING token::text`,
  z.object({ token: z.string() }),
);
/** Records a takeover; the new fencing token. */
export const recordTakeover = async (db: Queryable, name: string, holder: string) => (await TAKE_OVER.one(db, [name, holder])).token;

const IDLE_TIMEOUT = defineQuery("monitor.idleTimeout", `SELECT set_config('idle_session_timeout', $1, false) AS value`, z.object({ value: z.string() }));
/** The session ends when idle this long (a leader cut off by the network cannot hold the lock for ever). */
export const setIdleSessionTimeout = (db: Queryable, ms: number) => IDLE_TIMEOUT.one(db, [`${Math.round(ms)}ms`]);
