// The SQL of the alert center and the alert rule settings (server/db/sql.ts): lists and reads of
// alerts, the operator's acknowledge and resolve, an alert's timeline, and the settings rows. Every
// statement names the organization, so another organization's alert is simply not found. The
// monitor's own statements (the sweep, the missed-run check) are in server/monitor/queries.ts.
import { z } from "zod";
import { defineCommand, defineDynamicQuery, defineQuery, type Queryable } from "../db/sql";
import { ALERT_REASONS, ALERT_STATES, RESOLUTIONS, type AlertState } from "./rules";

const id = z.string();
const alertRow = z.object({
  id,
  state: z.enum(ALERT_STATES),
  reason: z.enum(ALERT_REASONS),
  executionId: z.string().nullable(),
  workflow: z.string(),
  currentStatus: z.string().nullable(),
  executionStatus: z.string().nullable(),
  since: z.date(),
  firedAt: z.date(),
  acknowledgedAt: z.date().nullable(),
  acknowledgedByLabel: z.string().nullable(),
  resolvedAt: z.date().nullable(),
  resolvedByLabel: z.string().nullable(),
  resolution: z.enum(RESOLUTIONS).nullable(),
  timedOutAt: z.date().nullable(),
  stormId: z.string().nullable(),
  details: z.unknown(),
});
export type AlertRow = z.output<typeof alertRow>;

const SELECT = `SELECT a.id::text, a.state, a.reason, a."executionId", w.key AS workflow, e.status AS "currentStatus", a."executionStatus",
  a.since, a."firedAt", a."acknowledgedAt", a."acknowledgedByLabel", a."resolvedAt", a."resolvedByLabel", a.resolution, a."timedOutAt",
  a."stormId"::text AS "stormId", a.details
  FROM alerts a
  JOIN workflows w ON w."orgId" = a."orgId" AND w.id = a."workflowId"
  LEFT JOIN executions e ON e."orgId" = a."orgId" AND e."executionId" = a."executionId"`;

const ALERT_PAGE = defineDynamicQuery("alerts.page", alertRow);
const ALERT_BY_ID = defineQuery("alerts.byId", `${SELECT} WHERE a."orgId" = $1 AND a.id = $2`, alertRow);
const ALERTS_OF_EXECUTION = defineQuery("alerts.ofExecution", `${SELECT} WHERE a."orgId" = $1 AND a."executionId" = $2 ORDER BY a."firedAt" DESC, a.id DESC LIMIT 100`, alertRow);

export type AlertPageFilter = { state: AlertState; workflow?: string; executionId?: string; after?: { at: string; id: string }; limit: number };

/** One page of alerts in one state, newest first, keyset on (firedAt, id) after `after`. */
export function alertPage(db: Queryable, orgId: string, f: AlertPageFilter): Promise<AlertRow[]> {
  const values: unknown[] = [orgId, f.state];
  const where = [`a."orgId" = $1`, `a.state = $2::"AlertState"`];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  if (f.workflow) where.push(`w.key = ${param(f.workflow)}`);
  if (f.executionId) where.push(`a."executionId" = ${param(f.executionId)}`);
  if (f.after) where.push(`(a."firedAt", a.id) < (${param(f.after.at)}::timestamptz, ${param(f.after.id)}::bigint)`);
  const text = `${SELECT} WHERE ${where.join(" AND ")} ORDER BY a."firedAt" DESC, a.id DESC LIMIT ${param(f.limit)}`;
  return ALERT_PAGE.all(db, { text, values });
}

export const alertById = (db: Queryable, orgId: string, alertId: string) => ALERT_BY_ID.first(db, [orgId, alertId]);
export const alertsOfExecution = (db: Queryable, orgId: string, executionId: string) => ALERTS_OF_EXECUTION.all(db, [orgId, executionId]);

// each state read through (orgId, state, firedAt, id) and stopped at the cap
const OPEN_COUNTS = defineQuery(
  "alerts.openCounts",
  `SELECT state, count(*)::int AS n FROM (
     (SELECT state FROM alerts WHERE "orgId" = $1 AND state = 'FIRING' LIMIT $2)
     UNION ALL
     (SELECT state FROM alerts WHERE "orgId" = $1 AND state = 'ACKNOWLEDGED' LIMIT $2)
   ) x GROUP BY state`,
  z.object({ state: z.enum(ALERT_STATES), n: z.number() }),
);
export const openAlertCounts = (db: Queryable, orgId: string, cap: number) => OPEN_COUNTS.all(db, [orgId, cap]);

const ALERT_EVENTS = defineQuery(
  "alerts.events",
  `SELECT at, kind, "actorLabel" AS actor, "actorType", note FROM alert_events WHERE "orgId" = $1 AND "alertId" = $2 ORDER BY id`,
  z.object({ at: z.date(), kind: z.string(), actor: z.string(), actorType: z.string(), note: z.string().nullable() }),
);
export const alertEvents = (db: Queryable, orgId: string, alertId: string) => ALERT_EVENTS.all(db, [orgId, alertId]);

const ALERT_DELIVERIES = defineQuery(
  "alerts.deliveries",
  `SELECT n.id::text AS "notificationId", n.type, n."channelId"::text AS "channelId", ch.name AS "channelName", ch.type AS "channelType",
          d.attempt, d.at, d."statusCode", d."latencyMs", d.ok, d.error, n.state AS "notificationState"
   FROM notifications n
   JOIN delivery_attempts d ON d."orgId" = n."orgId" AND d."notificationId" = n.id
   LEFT JOIN alert_channels ch ON ch."orgId" = n."orgId" AND ch.id = n."channelId"
   WHERE n."orgId" = $1 AND n."alertIds" @> ARRAY[$2::bigint]
   ORDER BY d.at, d.id`,
  z.object({
    notificationId: z.string(),
    type: z.string(),
    channelId: z.string(),
    channelName: z.string().nullable(),
    channelType: z.string().nullable(),
    attempt: z.number(),
    at: z.date(),
    statusCode: z.number().nullable(),
    latencyMs: z.number(),
    ok: z.boolean(),
    error: z.string().nullable(),
    notificationState: z.string(),
  }),
);
/** Every delivery attempt of the notifications that announce an alert, oldest first. */
export const alertDeliveries = (db: Queryable, orgId: string, alertId: string) => ALERT_DELIVERIES.all(db, [orgId, alertId]);

const ACKNOWLEDGE_NOTES = defineQuery(
  "alerts.acknowledgeNotes",
  `SELECT DISTINCT ON ("alertId") "alertId"::text AS "alertId", note FROM alert_events
   WHERE "orgId" = $1 AND "alertId" = ANY($2::bigint[]) AND kind = 'acknowledged' AND note IS NOT NULL
   ORDER BY "alertId", id DESC`,
  z.object({ alertId: z.string(), note: z.string() }),
);
/** The latest acknowledging note of each of the alerts. */
export const acknowledgeNoteRows = (db: Queryable, orgId: string, alertIds: readonly string[]) => ACKNOWLEDGE_NOTES.all(db, [orgId, alertIds]);

// --- The operator's changes ---------------------------------------------------------------------

const LOCK_ALERT = defineQuery(
  "alerts.lock",
  `SELECT a.id::text, a.state, a.reason, a."executionId", a."workflowId"::text AS "workflowId", a.since, a."stormId"::text AS "stormId",
          o.slug, w.key AS workflow, e.status AS "currentStatus"
   FROM alerts a
   JOIN organizations o ON o.id = a."orgId"
   JOIN workflows w ON w."orgId" = a."orgId" AND w.id = a."workflowId"
   LEFT JOIN executions e ON e."orgId" = a."orgId" AND e."executionId" = a."executionId"
   WHERE a."orgId" = $1 AND a.id = $2
   FOR UPDATE OF a`,
  z.object({
    id,
    state: z.enum(ALERT_STATES),
    reason: z.enum(ALERT_REASONS),
    executionId: z.string().nullable(),
    workflowId: z.string(),
    since: z.date(),
    stormId: z.string().nullable(),
    slug: z.string(),
    workflow: z.string(),
    currentStatus: z.string().nullable(),
  }),
);
/** The alert with what its notification names, locked for the rest of the transaction; null when absent. */
export const lockAlertRow = (db: Queryable, orgId: string, alertId: string) => LOCK_ALERT.first(db, [orgId, alertId]);

const ACKNOWLEDGE = defineCommand(
  "alerts.acknowledge",
  `UPDATE alerts SET state = 'ACKNOWLEDGED', "acknowledgedAt" = now(), "acknowledgedByUserId" = $3, "acknowledgedByLabel" = $4, "updatedAt" = now()
   WHERE "orgId" = $1 AND id = $2`,
);
export const markAcknowledged = (db: Queryable, orgId: string, alertId: string, by: { userId: string | null; label: string }) =>
  ACKNOWLEDGE.run(db, [orgId, alertId, by.userId, by.label]);

// a failure-rate alert resolved by hand holds its rule until the rate drops back
const RESOLVE_BY_HAND = defineQuery(
  "alerts.resolveByHand",
  `UPDATE alerts SET state = 'RESOLVED', "resolvedAt" = now(), "resolvedByUserId" = $3, "resolvedByLabel" = $4, resolution = 'manual',
     "holdsRule" = (reason = 'failure_rate'), "updatedAt" = now()
   WHERE "orgId" = $1 AND id = $2 RETURNING "resolvedAt"`,
  z.object({ resolvedAt: z.date() }),
);
export const markResolvedByHand = (db: Queryable, orgId: string, alertId: string, by: { userId: string | null; label: string }) =>
  RESOLVE_BY_HAND.one(db, [orgId, alertId, by.userId, by.label]);

// --- The alert's timeline -----------------------------------------------------------------------

const INSERT_EVENTS = defineCommand(
  "alerts.insertEvents",
  `INSERT INTO alert_events ("orgId", "alertId", kind, "actorType", "actorUserId", "actorLabel", note)
   SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::"ActorType"[], $5::text[], $6::text[], $7::text[])`,
);
export type AlertEventInsert = { orgId: string; alertId: string; kind: string; actorType: string; actorUserId: string | null; actorLabel: string; note: string | null };
export const insertAlertEvents = (db: Queryable, events: readonly AlertEventInsert[]) =>
  INSERT_EVENTS.run(db, [
    events.map((e) => e.orgId),
    events.map((e) => e.alertId),
    events.map((e) => e.kind),
    events.map((e) => e.actorType),
    events.map((e) => e.actorUserId),
    events.map((e) => e.actorLabel),
    events.map((e) => e.note),
  ]);

// --- Rule settings ------------------------------------------------------------------------------
// Raw SQL rather than Prisma: the rows are read and written inside audited()'s pg transaction, so
// the change and its audit entry commit together.

const orgSettingsRow = z.object({
  stormThreshold: z.number(),
  stormWindowSeconds: z.number(),
  failureRateEnabled: z.boolean(),
  failureRatePercent: z.number(),
  failureRateMinExecutions: z.number(),
  failureRateWindowSeconds: z.number(),
});
export type OrgSettingsRow = z.output<typeof orgSettingsRow>;

const ORG_SETTINGS = defineQuery(
  "alerts.orgSettings",
  `SELECT "stormThreshold", "stormWindowSeconds", "failureRateEnabled", "failureRatePercent", "failureRateMinExecutions", "failureRateWindowSeconds"
   FROM org_alert_settings WHERE "orgId" = $1`,
  orgSettingsRow,
);
export const orgSettingsRowOf = (db: Queryable, orgId: string) => ORG_SETTINGS.first(db, [orgId]);

const LOCK_ORG = defineQuery("alerts.lockOrganization", `SELECT id FROM organizations WHERE id = $1 FOR UPDATE`, z.object({ id: z.string() }));
/** Serializes settings changes of one organization; false when it does not exist. */
export const lockOrganization = async (db: Queryable, orgId: string) => (await LOCK_ORG.first(db, [orgId])) !== null;

const UPSERT_ORG_SETTINGS = defineCommand(
  "alerts.upsertOrgSettings",
  `INSERT INTO org_alert_settings ("orgId", "stormThreshold", "stormWindowSeconds", "failureRateEnabled", "failureRatePercent", "failureRateMinExecutions", "failureRateWindowSeconds")
   VALUES ($1, $2, $3, $4, $5, $6, $7)
   ON CONFLICT ("orgId") DO UPDATE SET "stormThreshold" = $2, "stormWindowSeconds" = $3, "failureRateEnabled" = $4, "failureRatePercent" = $5,
     "failureRateMinExecutions" = $6, "failureRateWindowSeconds" = $7, "updatedAt" = now()`,
);
export const upsertOrgSettings = (db: Queryable, orgId: string, r: OrgSettingsRow) =>
  UPSERT_ORG_SETTINGS.run(db, [orgId, r.stormThreshold, r.stormWindowSeconds, r.failureRateEnabled, r.failureRatePercent, r.failureRateMinExecutions, r.failureRateWindowSeconds]);

const workflowSettingsRow = z.object({
  id: z.string(),
  key: z.string(),
  autoTimeoutMultiple: z.number().nullable(),
  enabled: z.boolean().nullable(),
  percent: z.number().nullable(),
  minExecutions: z.number().nullable(),
  windowSeconds: z.number().nullable(),
});
export type WorkflowSettingsRow = z.output<typeof workflowSettingsRow>;

const WORKFLOW_SETTINGS_SELECT = `SELECT w.id::text, w.key, s."autoTimeoutMultiple", s."failureRateEnabled" AS enabled, s."failureRatePercent" AS percent,
          s."failureRateMinExecutions" AS "minExecutions", s."failureRateWindowSeconds" AS "windowSeconds"
   FROM workflows w LEFT JOIN workflow_alert_settings s ON s."orgId" = w."orgId" AND s."workflowId" = w.id
   WHERE w."orgId" = $1 AND w.key = $2`;
const WORKFLOW_SETTINGS = defineQuery("alerts.workflowSettings", WORKFLOW_SETTINGS_SELECT, workflowSettingsRow);
const WORKFLOW_SETTINGS_LOCKED = defineQuery("alerts.workflowSettingsLocked", `${WORKFLOW_SETTINGS_SELECT} FOR UPDATE OF w`, workflowSettingsRow);
/** The workflow's alert settings (null columns: none of its own); locked with `lock`. Null when there is no such workflow. */
export const workflowSettingsRowOf = (db: Queryable, orgId: string, key: string, lock = false) =>
  (lock ? WORKFLOW_SETTINGS_LOCKED : WORKFLOW_SETTINGS).first(db, [orgId, key]);

const UPSERT_WORKFLOW_SETTINGS = defineCommand(
  "alerts.upsertWorkflowSettings",
  `INSERT INTO workflow_alert_settings ("orgId", "workflowId", "autoTimeoutMultiple", "failureRateEnabled", "failureRatePercent", "failureRateMinExecutions", "failureRateWindowSeconds")
   VALUES ($1, $2, $3, $4, $5, $6, $7)
   ON CONFLICT ("orgId", "workflowId") DO UPDATE SET "autoTimeoutMultiple" = $3, "failureRateEnabled" = $4, "failureRatePercent" = $5,
     "failureRateMinExecutions" = $6, "failureRateWindowSeconds" = $7, "updatedAt" = now()`,
);
export const upsertWorkflowSettings = (db: Queryable, orgId: string, r: WorkflowSettingsRow) =>
  UPSERT_WORKFLOW_SETTINGS.run(db, [orgId, r.id, r.autoTimeoutMultiple, r.enabled, r.percent, r.minExecutions, r.windowSeconds]);
