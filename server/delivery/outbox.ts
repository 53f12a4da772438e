// The transactional outbox: notifications are written with the same client (and so in the same
// transaction) as the alert change they announce. If that transaction rolls back, nothing is
// sent; once it commits, the delivery worker delivers them at least once, even after a crash.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { Message } from "../alerts/payload";

export type Queryable = Pick<pg.ClientBase, "query">;

export type OutboxEntry = { orgId: string; channelId: string; type: Message["type"]; alertIds: string[]; message: Message };

/** A Standard Webhooks message id: stable across retries so receivers can deduplicate. */
export function newMessageId(): string {
  return `msg_${randomUUID().replace(/-/g, "")}`;
}

/** The enabled channels of each organization. */
export async function enabledChannels(client: Queryable, orgIds: readonly string[]): Promise<Map<string, string[]>> {
  const byOrg = new Map<string, string[]>();
  if (orgIds.length === 0) return byOrg;
  const { rows } = await client.query<{ orgId: string; id: string }>(
    `SELECT "orgId", id FROM alert_channels WHERE "orgId" = ANY($1::uuid[]) AND "disabledAt" IS NULL ORDER BY "createdAt", id`,
    [[...new Set(orgIds)]],
  );
  for (const r of rows) byOrg.set(r.orgId, [...(byOrg.get(r.orgId) ?? []), r.id]);
  return byOrg;
}

/** Queues each message for each enabled channel of its organization. */
export async function enqueueForChannels(
  client: Queryable,
  messages: readonly { orgId: string; alertIds: string[]; message: Message }[],
  channels?: Map<string, string[]>,
): Promise<number> {
  if (messages.length === 0) return 0;
  const byOrg = channels ?? (await enabledChannels(client, messages.map((m) => m.orgId)));
  const entries: OutboxEntry[] = [];
  for (const m of messages) {
    for (const channelId of byOrg.get(m.orgId) ?? []) entries.push({ orgId: m.orgId, channelId, type: m.message.type, alertIds: m.alertIds, message: m.message });
  }
  await enqueue(client, entries);
  return entries.length;
}

export async function enqueue(client: Queryable, entries: readonly OutboxEntry[], state: "PENDING" | "DELIVERED" | "FAILED" = "PENDING"): Promise<string[]> {
  if (entries.length === 0) return [];
  const rows = entries.map((e) => ({ orgId: e.orgId, channelId: e.channelId, type: e.type, alertIds: e.alertIds, messageId: newMessageId(), payload: e.message }));
  const { rows: out } = await client.query<{ id: string }>(
    `INSERT INTO notifications ("orgId", "channelId", type, "alertIds", "messageId", payload, state)
     SELECT x."orgId", x."channelId", x.type, x."alertIds", x."messageId", x.payload, $2::"NotificationState"
     FROM jsonb_to_recordset($1::jsonb) AS x("orgId" uuid, "channelId" uuid, type text, "alertIds" bigint[], "messageId" text, payload jsonb)
     RETURNING id::text`,
    [JSON.stringify(rows), state],
  );
  return out.map((r) => r.id);
}
