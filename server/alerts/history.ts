// An alert's own timeline (fired, acknowledged with a note, resolved, timed out), written with
// the caller's client so it joins the caller's transaction.
import type { Actor } from "../audit/service";
import type { Queryable } from "../delivery/outbox";

/** What alert_events.kind may hold (its CHECK constraint, migration 20261201134000). A note rides on acknowledged or resolved. */
export const ALERT_EVENT_KINDS = ["fired", "acknowledged", "resolved", "timed_out"] as const;
export type AlertEventKind = (typeof ALERT_EVENT_KINDS)[number];

export const MONITOR_ACTOR: Actor = { type: "SYSTEM", label: "monitor" };

export async function recordAlertEvents(
  client: Queryable,
  events: readonly { orgId: string; alertId: string; kind: AlertEventKind; actor: Actor; note?: string | null }[],
): Promise<void> {
  if (events.length === 0) return;
  await client.query(
    `INSERT INTO alert_events ("orgId", "alertId", kind, "actorType", "actorUserId", "actorLabel", note)
     SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::"ActorType"[], $5::text[], $6::text[], $7::text[])`,
    [
      events.map((e) => e.orgId),
      events.map((e) => e.alertId),
      events.map((e) => e.kind),
      events.map((e) => e.actor.type),
      events.map((e) => (e.actor.type === "USER" ? e.actor.userId : null)),
      events.map((e) => e.actor.label),
      events.map((e) => e.note ?? null),
    ],
  );
}
