// Alert services for the alert center and the execution page: lists by state with keyset pages,
// counts for the navigation badge, one alert with its timeline and delivery attempts, and the
// operator's acknowledge and resolve (audited, and announced through the outbox in the same
// transaction). Reads take (orgId, input); writes take (orgId, actor, input). Every query names
// the organization: another organization's alert is simply not found.
import { z } from "zod";
import type { Actor } from "../audit/service";
import { pool } from "../db/client";
import { enqueueForChannels } from "../delivery/outbox";
import { conflict, notFound } from "./errors";
import { recordAlertEvents } from "./history";
import { alertMessage, publicBaseUrl } from "../delivery/payload";
import { decodeCursor, encodeCursor } from "../paging/cursor";
import { COUNT_CAP } from "../paging/limits";
import { audited, type ServiceContext, type Queryable } from "../rbac/audited";
import { canTransition, type AlertReason, type AlertState, type Resolution } from "./rules";

export const ALERT_STATES = ["FIRING", "ACKNOWLEDGED", "RESOLVED"] as const;

export type AlertView = {
  id: string;
  state: AlertState;
  reason: AlertReason;
  executionId: string | null;
  workflow: string;
  /** the execution's status now (null for a workflow rule, or when the execution is gone) */
  executionStatus: string | null;
  /** the execution's status when the alert fired */
  statusAtFiring: string | null;
  since: string;
  firedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolution: Resolution | null;
  timedOutAt: string | null;
  stormId: string | null;
  details: unknown;
};

type Row = {
  id: string;
  state: AlertState;
  reason: AlertReason;
  executionId: string | null;
  workflow: string;
  currentStatus: string | null;
  executionStatus: string | null;
  since: Date;
  firedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedByLabel: string | null;
  resolvedAt: Date | null;
  resolvedByLabel: string | null;
  resolution: Resolution | null;
  timedOutAt: Date | null;
  stormId: string | null;
  details: unknown;
};

const SELECT = `SELECT a.id::text, a.state, a.reason, a."executionId", w.key AS workflow, e.status AS "currentStatus", a."executionStatus",
  a.since, a."firedAt", a."acknowledgedAt", a."acknowledgedByLabel", a."resolvedAt", a."resolvedByLabel", a.resolution, a."timedOutAt",
  a."stormId"::text AS "stormId", a.details
  FROM alerts a
  JOIN workflows w ON w."orgId" = a."orgId" AND w.id = a."workflowId"
  LEFT JOIN executions e ON e."orgId" = a."orgId" AND e."executionId" = a."executionId"`;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toView(r: Row): AlertView {
  return {
    id: r.id,
    state: r.state,
    reason: r.reason,
    executionId: r.executionId,
    workflow: r.workflow,
    executionStatus: r.currentStatus,
    statusAtFiring: r.executionStatus,
    since: r.since.toISOString(),
    firedAt: r.firedAt.toISOString(),
    acknowledgedAt: iso(r.acknowledgedAt),
    acknowledgedBy: r.acknowledgedByLabel,
    resolvedAt: iso(r.resolvedAt),
    resolvedBy: r.resolvedByLabel,
    resolution: r.resolution,
    timedOutAt: iso(r.timedOutAt),
    stormId: r.stormId,
    details: r.details ?? null,
  };
}

// --- Inputs -------------------------------------------------------------------------------------

const alertId = z.string().regex(/^\d{1,19}$/, "alertId must be an alert's numeric id");

export const listAlertsInput = z.object({
  state: z.enum(ALERT_STATES),
  workflow: z.string().min(1).max(200).optional(),
  executionId: z.string().min(1).max(200).optional(),
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).nullish(),
});
export type ListAlertsInput = z.input<typeof listAlertsInput>;

export const alertActionInput = z.object({
  alertId,
  note: z.string().trim().max(2000, "a note holds at most 2000 characters").optional(),
});
export type AlertActionInput = z.input<typeof alertActionInput>;


// --- Reads --------------------------------------------------------------------------------------

export type AlertPage = { items: AlertView[]; nextCursor: string | null };

/** Alerts in one state, newest first, keyset-paginated on (firedAt, id). */
export async function listAlerts(orgId: string, input: ListAlertsInput): Promise<AlertPage> {
  const q = listAlertsInput.parse(input);
  const params: unknown[] = [orgId, q.state];
  const where = [`a."orgId" = $1`, `a.state = $2::"AlertState"`];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (q.workflow) where.push(`w.key = ${param(q.workflow)}`);
  if (q.executionId) where.push(`a."executionId" = ${param(q.executionId)}`);
  if (q.cursor) {
    // keyset on (firedAt, id), in the one cursor codec
    const c = decodeCursor(q.cursor);
    if (c && c.snapshotId === null) where.push(`(a."firedAt", a.id) < (${param(c.at)}::timestamptz, ${param(c.id)}::bigint)`);
  }
  const { rows } = await pool().query<Row>(`${SELECT} WHERE ${where.join(" AND ")} ORDER BY a."firedAt" DESC, a.id DESC LIMIT ${param(q.limit + 1)}`, params);
  const more = rows.length > q.limit;
  const items = rows.slice(0, q.limit);
  const last = items[items.length - 1];
  return { items: items.map(toView), nextCursor: more && last ? encodeCursor({ at: last.firedAt.toISOString(), id: last.id }) : null };
}

export type AlertCounts = { firing: number; acknowledged: number; open: number; capped: boolean };

/** Open alerts for the navigation badge: exact up to COUNT_CAP, then capped (shown as "10,000+"). */
export async function alertCounts(orgId: string): Promise<AlertCounts> {
  const { rows } = await pool().query<{ state: AlertState; n: number }>(
    `SELECT state, count(*)::int AS n FROM (
       (SELECT state FROM alerts WHERE "orgId" = $1 AND state = 'FIRING' LIMIT $2)
       UNION ALL
       (SELECT state FROM alerts WHERE "orgId" = $1 AND state = 'ACKNOWLEDGED' LIMIT $2)
     ) x GROUP BY state`,
    [orgId, COUNT_CAP],
  );
  const firing = rows.find((r) => r.state === "FIRING")?.n ?? 0;
  const acknowledged = rows.find((r) => r.state === "ACKNOWLEDGED")?.n ?? 0;
  return { firing, acknowledged, open: firing + acknowledged, capped: firing >= COUNT_CAP || acknowledged >= COUNT_CAP };
}

export type AlertEventView = { at: string; kind: string; actor: string; actorType: string; note: string | null };
export type DeliveryAttemptView = {
  notificationId: string;
  type: string;
  channelId: string;
  channelName: string | null;
  channelType: string | null;
  attempt: number;
  at: string;
  statusCode: number | null;
  latencyMs: number;
  ok: boolean;
  error: string | null;
  notificationState: string;
};
export type AlertDetail = AlertView & { events: AlertEventView[]; deliveries: DeliveryAttemptView[] };

export async function getAlert(orgId: string, input: { alertId: string }): Promise<AlertDetail> {
  const id = alertId.parse(input.alertId);
  const { rows } = await pool().query<Row>(`${SELECT} WHERE a."orgId" = $1 AND a.id = $2`, [orgId, id]);
  if (!rows[0]) throw notFound("alert");
  const [events, deliveries] = await Promise.all([
    pool().query<AlertEventView>(
      `SELECT at, kind, "actorLabel" AS actor, "actorType", note FROM alert_events WHERE "orgId" = $1 AND "alertId" = $2 ORDER BY id`,
      [orgId, id],
    ),
    pool().query<DeliveryAttemptView & { at: Date }>(
      `SELECT n.id::text AS "notificationId", n.type, n."channelId", ch.name AS "channelName", ch.type AS "channelType",
              d.attempt, d.at, d."statusCode", d."latencyMs", d.ok, d.error, n.state AS "notificationState"
       FROM notifications n
       JOIN delivery_attempts d ON d."orgId" = n."orgId" AND d."notificationId" = n.id
       LEFT JOIN alert_channels ch ON ch."orgId" = n."orgId" AND ch.id = n."channelId"
       WHERE n."orgId" = $1 AND n."alertIds" @> ARRAY[$2::bigint]
       ORDER BY d.at, d.id`,
      [orgId, id],
    ),
  ]);
  return {
    ...toView(rows[0]),
    events: events.rows.map((e) => ({ ...e, at: (e.at as unknown as Date).toISOString() })),
    deliveries: deliveries.rows.map((d) => ({ ...d, at: d.at.toISOString() })),
  };
}

/** The alerts of one execution, newest first, for the execution page. */
export async function alertsForExecution(orgId: string, input: { executionId: string }): Promise<AlertView[]> {
  const { rows } = await pool().query<Row>(`${SELECT} WHERE a."orgId" = $1 AND a."executionId" = $2 ORDER BY a."firedAt" DESC, a.id DESC LIMIT 100`, [orgId, input.executionId]);
  return rows.map(toView);
}

// --- Writes -------------------------------------------------------------------------------------

type LockedAlert = { id: string; state: AlertState; reason: AlertReason; executionId: string | null; workflowId: string; since: Date; stormId: string | null; slug: string; workflow: string; currentStatus: string | null };

async function lockAlert(client: Queryable, orgId: string, id: string): Promise<LockedAlert> {
  const { rows } = await client.query<LockedAlert>(
    `SELECT a.id::text, a.state, a.reason, a."executionId", a."workflowId"::text AS "workflowId", a.since, a."stormId"::text AS "stormId",
            o.slug, w.key AS workflow, e.status AS "currentStatus"
     FROM alerts a
     JOIN organizations o ON o.id = a."orgId"
     JOIN workflows w ON w."orgId" = a."orgId" AND w.id = a."workflowId"
     LEFT JOIN executions e ON e."orgId" = a."orgId" AND e."executionId" = a."executionId"
     WHERE a."orgId" = $1 AND a.id = $2
     FOR UPDATE OF a`,
    [orgId, id],
  );
  if (!rows[0]) throw notFound("alert");
  return rows[0];
}

const actorUserId = (actor: Actor) => (actor.type === "USER" ? actor.userId : actor.type === "API_KEY" ? actor.apiKeyId : null);

/** What an alert change tells the audit log: the alert, and its state before and after. */
export type AlertAuditFacts = { resourceId: string; before: { state: AlertState }; after: { state: AlertState }; details?: { note: string } };

/**
 * FIRING → ACKNOWLEDGED inside the caller's transaction; returns the audit facts for the caller's
 * audited() (one alert: acknowledgeAlert; a batch: server/operations/bulk.ts, one entry for all).
 */
export async function acknowledgeAlertIn(client: Queryable, orgId: string, actor: Actor, alertIdValue: string, note: string | null): Promise<AlertAuditFacts> {
  const a = await lockAlert(client, orgId, alertIdValue);
  if (!canTransition(a.state, "acknowledge")) throw conflict(`the alert is ${a.state}; only a FIRING alert can be acknowledged`);
  await client.query(
    `UPDATE alerts SET state = 'ACKNOWLEDGED', "acknowledgedAt" = now(), "acknowledgedBy" = $3, "acknowledgedByLabel" = $4, "updatedAt" = now()
     WHERE "orgId" = $1 AND id = $2`,
    [orgId, a.id, actorUserId(actor), actor.label],
  );
  await recordAlertEvents(client, [{ orgId, alertId: a.id, kind: "acknowledged", actor, note: note || null }]);
  return { resourceId: a.id, before: { state: a.state }, after: { state: "ACKNOWLEDGED" }, details: note ? { note } : undefined };
}

/** FIRING → ACKNOWLEDGED, by a person, with an optional note. */
export async function acknowledgeAlert(ctx: ServiceContext, input: AlertActionInput): Promise<AlertView> {
  const q = alertActionInput.parse(input);
  await audited(ctx, { recordRefusals: false, action: "alert.acknowledge", resourceType: "alert", resourceId: q.alertId }, async (client) => ({
    result: undefined,
    ...(await acknowledgeAlertIn(client, ctx.orgId, ctx.actor, q.alertId, q.note || null)),
  }));
  return (await getAlert(ctx.orgId, { alertId: q.alertId })) as AlertView;
}

/** Resolves by hand inside the caller's transaction; returns the audit facts as acknowledgeAlertIn. */
export async function resolveAlertIn(client: Queryable, orgId: string, actor: Actor, alertIdValue: string, note: string | null): Promise<AlertAuditFacts> {
  const a = await lockAlert(client, orgId, alertIdValue);
  if (!canTransition(a.state, "resolve")) throw conflict("the alert is already RESOLVED");
  const {
    rows: [done],
  } = await client.query<{ resolvedAt: Date }>(
    `UPDATE alerts SET state = 'RESOLVED', "resolvedAt" = now(), "resolvedBy" = $3, "resolvedByLabel" = $4, resolution = 'manual',
       "holdsRule" = (reason = 'failure_rate'), "updatedAt" = now()
     WHERE "orgId" = $1 AND id = $2 RETURNING "resolvedAt"`,
    [orgId, a.id, actorUserId(actor), actor.label],
  );
  await recordAlertEvents(client, [{ orgId, alertId: a.id, kind: "resolved", actor, note: note || null }]);
  if (a.stormId === null) {
    const message = alertMessage(
      "alert.resolved",
      { id: a.id, orgSlug: a.slug, executionId: a.executionId, workflow: a.workflow, status: a.currentStatus, reason: a.reason, since: a.since, resolvedAt: done!.resolvedAt, resolution: "manual" },
      publicBaseUrl(),
    );
    await enqueueForChannels(client, [{ orgId, alertIds: [a.id], message }]);
  }
  return { resourceId: a.id, before: { state: a.state }, after: { state: "RESOLVED" }, details: note ? { note } : undefined };
}

/**
 * Resolves by hand. The execution's episode stays on record, so the monitor does not reopen it
 * while the execution stays stuck since the same moment; a failure-rate alert holds its rule
 * until the rate drops back.
 */
export async function resolveAlert(ctx: ServiceContext, input: AlertActionInput): Promise<AlertView> {
  const q = alertActionInput.parse(input);
  await audited(ctx, { recordRefusals: false, action: "alert.resolve", resourceType: "alert", resourceId: q.alertId }, async (client) => ({
    result: undefined,
    ...(await resolveAlertIn(client, ctx.orgId, ctx.actor, q.alertId, q.note || null)),
  }));
  return (await getAlert(ctx.orgId, { alertId: q.alertId })) as AlertView;
}

const noteRowSchema = z.object({ alertId: z.string(), note: z.string() });

/**
 * The latest acknowledging note of each alert, for the list's "acknowledged by … with note"
 * (notes live in the timeline, not on AlertView). One indexed query per page, scoped by orgId.
 */
export async function acknowledgeNotes(orgId: string, alertIds: string[]): Promise<Map<string, string>> {
  if (alertIds.length === 0) return new Map();
  const { rows } = await pool().query(
    `SELECT DISTINCT ON ("alertId") "alertId"::text AS "alertId", note FROM alert_events
     WHERE "orgId" = $1 AND "alertId" = ANY($2::bigint[]) AND kind = 'acknowledged' AND note IS NOT NULL
     ORDER BY "alertId", id DESC`,
    [orgId, alertIds],
  );
  return new Map(z.array(noteRowSchema).parse(rows).map((r) => [r.alertId, r.note]));
}
