// An alert's own timeline (fired, acknowledged with a note, resolved, timed out), written with
// the caller's client so it joins the caller's transaction.
import type { Actor } from "../audit/service";
import type { Queryable } from "../db/sql";
import { insertAlertEvents } from "./queries";

/** What alert_events.kind may hold (its CHECK constraint, migration 20261201134000). A note rides on acknowledged or resolved. */
export const ALERT_EVENT_KINDS = ["fired", "acknowledged", "resolved", "timed_out"] as const;
export type AlertEventKind = (typeof ALERT_EVENT_KINDS)[number];

export const MONITOR_ACTOR: Actor = { type: "SYSTEM", label: "monitor" };

export async function recordAlertEvents(
  client: Queryable,
  events: readonly { orgId: string; alertId: string; kind: AlertEventKind; actor: Actor; note?: string | null }[],
): Promise<void> {
  if (events.length === 0) return;
  await insertAlertEvents(
    client,
    events.map((e) => ({
      orgId: e.orgId,
      alertId: e.alertId,
      kind: e.kind,
      actorType: e.actor.type,
      actorUserId: e.actor.type === "USER" ? e.actor.userId : null,
      actorLabel: e.actor.label,
      note: e.note ?? null,
    })),
  );
}
