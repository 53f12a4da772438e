// Alert services for the alert center and the execution page: lists by state with keyset pages,
// counts for the navigation badge, one alert with its timeline and delivery attempts, and the
// operator's acknowledge and resolve (audited, and announced through the outbox in the same
// transaction). Called `(ctx, input)`: reads take a ReadContext, changes a ServiceContext; the
// SQL is in ./queries.ts, and every statement names ctx.orgId, so another organization's alert
// is simply not found. Instants are Dates here (superjson carries them through tRPC).
import { z } from "zod";
import type { Actor } from "../audit/service";
import type { ReadContext, ServiceContext } from "../context";
import { primaryFor } from "../db/client";
import { enqueueForChannels } from "../delivery/outbox";
import { conflict, notFound } from "./errors";
import { recordAlertEvents } from "./history";
import { alertMessage, publicBaseUrl } from "../delivery/payload";
import { decodeCursor, encodeCursor } from "../paging/cursor";
import { COUNT_CAP } from "../paging/limits";
import { audited } from "../rbac/audited";
import {
  acknowledgeNoteRows,
  alertById,
  alertDeliveries,
  alertEvents,
  alertPage,
  alertsOfExecution,
  lockAlertRow,
  markAcknowledged,
  markResolvedByHand,
  openAlertCounts,
  type AlertRow,
} from "./queries";
import { ALERT_STATES, canTransition, type AlertReason, type AlertState, type Resolution } from "./rules";

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
  since: Date;
  firedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolution: Resolution | null;
  timedOutAt: Date | null;
  stormId: string | null;
  details: unknown;
};

function toView(r: AlertRow): AlertView {
  return {
    id: r.id,
    state: r.state,
    reason: r.reason,
    executionId: r.executionId,
    workflow: r.workflow,
    executionStatus: r.currentStatus,
    statusAtFiring: r.executionStatus,
    since: r.since,
    firedAt: r.firedAt,
    acknowledgedAt: r.acknowledgedAt,
    acknowledgedBy: r.acknowledgedByLabel,
    resolvedAt: r.resolvedAt,
    resolvedBy: r.resolvedByLabel,
    resolution: r.resolution,
    timedOutAt: r.timedOutAt,
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

/** Alerts in one state, newest first, keyset-paginated on (firedAt, id) in the one cursor codec. */
export async function listAlerts(ctx: ReadContext, input: ListAlertsInput): Promise<AlertPage> {
  const q = listAlertsInput.parse(input);
  const c = q.cursor ? decodeCursor(q.cursor) : null;
  const rows = await alertPage(primaryFor(ctx), ctx.orgId, {
    state: q.state,
    workflow: q.workflow,
    executionId: q.executionId,
    after: c && c.snapshotId === null ? { at: c.at, id: c.id } : undefined,
    limit: q.limit + 1,
  });
  const more = rows.length > q.limit;
  const items = rows.slice(0, q.limit);
  const last = items[items.length - 1];
  return { items: items.map(toView), nextCursor: more && last ? encodeCursor({ at: last.firedAt.toISOString(), id: last.id }) : null };
}

export type AlertCounts = { firing: number; acknowledged: number; open: number; capped: boolean };

/** Open alerts for the navigation badge: exact up to COUNT_CAP, then capped (shown as "10,000+"). */
export async function alertCounts(ctx: ReadContext): Promise<AlertCounts> {
  const rows = await openAlertCounts(primaryFor(ctx), ctx.orgId, COUNT_CAP);
  const firing = rows.find((r) => r.state === "FIRING")?.n ?? 0;
  const acknowledged = rows.find((r) => r.state === "ACKNOWLEDGED")?.n ?? 0;
  return { firing, acknowledged, open: firing + acknowledged, capped: firing >= COUNT_CAP || acknowledged >= COUNT_CAP };
}

export type AlertEventView = { at: Date; kind: string; actor: string; actorType: string; note: string | null };
export type DeliveryAttemptView = {
  notificationId: string;
  type: string;
  channelId: string;
  channelName: string | null;
  channelType: string | null;
  attempt: number;
  at: Date;
  statusCode: number | null;
  latencyMs: number;
  ok: boolean;
  error: string | null;
  notificationState: string;
};
export type AlertDetail = AlertView & { events: AlertEventView[]; deliveries: DeliveryAttemptView[] };

export async function getAlert(ctx: ReadContext, input: { alertId: string }): Promise<AlertDetail> {
  const id = alertId.parse(input.alertId);
  const db = primaryFor(ctx);
  const row = await alertById(db, ctx.orgId, id);
  if (!row) throw notFound("alert");
  const [events, deliveries] = await Promise.all([alertEvents(db, ctx.orgId, id), alertDeliveries(db, ctx.orgId, id)]);
  return { ...toView(row), events, deliveries };
}

/** The alerts of one execution, newest first, for the execution page. */
export async function alertsForExecution(ctx: ReadContext, input: { executionId: string }): Promise<AlertView[]> {
  return (await alertsOfExecution(primaryFor(ctx), ctx.orgId, input.executionId)).map(toView);
}

// --- Writes -------------------------------------------------------------------------------------

/** A change inside the caller's transaction (ctx.client): audited() opened it, one alert or a batch. */
export type InTransaction = ServiceContext & { client: NonNullable<ServiceContext["client"]> };

async function lockAlert(ctx: InTransaction, id: string) {
  const row = await lockAlertRow(ctx.client, ctx.orgId, id);
  if (!row) throw notFound("alert");
  return row;
}

const actorUserId = (actor: Actor) => (actor.type === "USER" ? actor.userId : actor.type === "API_KEY" ? actor.apiKeyId : null);
const changedBy = (actor: Actor) => ({ userId: actorUserId(actor), label: actor.label });

/** What an alert change tells the audit log: the alert, and its state before and after. */
export type AlertAuditFacts = { resourceId: string; before: { state: AlertState }; after: { state: AlertState }; details?: { note: string } };

export type AlertChange = { alertId: string; note: string | null };

/**
 * FIRING → ACKNOWLEDGED inside the caller's transaction; returns the audit facts for the caller's
 * audited() (one alert: acknowledgeAlert; a batch: server/operations/bulk.ts, one entry for all).
 */
export async function acknowledgeAlertIn(ctx: InTransaction, input: AlertChange): Promise<AlertAuditFacts> {
  const a = await lockAlert(ctx, input.alertId);
  if (!canTransition(a.state, "acknowledge")) throw conflict(`the alert is ${a.state}; only a FIRING alert can be acknowledged`);
  await markAcknowledged(ctx.client, ctx.orgId, a.id, changedBy(ctx.actor));
  await recordAlertEvents(ctx.client, [{ orgId: ctx.orgId, alertId: a.id, kind: "acknowledged", actor: ctx.actor, note: input.note || null }]);
  return { resourceId: a.id, before: { state: a.state }, after: { state: "ACKNOWLEDGED" }, details: input.note ? { note: input.note } : undefined };
}

/** FIRING → ACKNOWLEDGED, by a person, with an optional note. */
export async function acknowledgeAlert(ctx: ServiceContext, input: AlertActionInput): Promise<AlertView> {
  const q = alertActionInput.parse(input);
  await audited(ctx, { recordRefusals: false, action: "alert.acknowledge", resourceType: "alert", resourceId: q.alertId }, async (client) => ({
    result: undefined,
    ...(await acknowledgeAlertIn({ ...ctx, client }, { alertId: q.alertId, note: q.note || null })),
  }));
  return getAlert(ctx, { alertId: q.alertId });
}

/** Resolves by hand inside the caller's transaction; returns the audit facts as acknowledgeAlertIn. */
export async function resolveAlertIn(ctx: InTransaction, input: AlertChange): Promise<AlertAuditFacts> {
  const a = await lockAlert(ctx, input.alertId);
  if (!canTransition(a.state, "resolve")) throw conflict("the alert is already RESOLVED");
  const done = await markResolvedByHand(ctx.client, ctx.orgId, a.id, changedBy(ctx.actor));
  await recordAlertEvents(ctx.client, [{ orgId: ctx.orgId, alertId: a.id, kind: "resolved", actor: ctx.actor, note: input.note || null }]);
  if (a.stormId === null) {
    const message = alertMessage(
      "alert.resolved",
      { id: a.id, orgSlug: a.slug, executionId: a.executionId, workflow: a.workflow, status: a.currentStatus, reason: a.reason, since: a.since, resolvedAt: done.resolvedAt, resolution: "manual" },
      publicBaseUrl(),
    );
    await enqueueForChannels(ctx.client, [{ orgId: ctx.orgId, alertIds: [a.id], message }]);
  }
  return { resourceId: a.id, before: { state: a.state }, after: { state: "RESOLVED" }, details: input.note ? { note: input.note } : undefined };
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
    ...(await resolveAlertIn({ ...ctx, client }, { alertId: q.alertId, note: q.note || null })),
  }));
  return getAlert(ctx, { alertId: q.alertId });
}

/**
 * The latest acknowledging note of each alert, for the list's "acknowledged by … with note"
 * (notes live in the timeline, not on AlertView). One indexed query per page, scoped by orgId.
 */
export async function acknowledgeNotes(ctx: ReadContext, input: { alertIds: readonly string[] }): Promise<Map<string, string>> {
  if (input.alertIds.length === 0) return new Map();
  return new Map((await acknowledgeNoteRows(primaryFor(ctx), ctx.orgId, input.alertIds)).map((r) => [r.alertId, r.note]));
}
