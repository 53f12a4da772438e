// The transactional outbox: notifications are written with the same client (and so in the same
// transaction) as the alert change they announce. If that transaction rolls back, nothing is
// sent; once it commits, the delivery worker delivers them at least once, even after a crash.
import { randomUUID } from "node:crypto";
import type { Queryable } from "../db/sql";
import type { Message } from "./payload";
import { enabledChannelRows, insertNotifications } from "./queries";

export type { Queryable };

export type OutboxEntry = { orgId: string; channelId: string; type: Message["type"]; alertIds: string[]; message: Message };

/** A Standard Webhooks message id: stable across retries so receivers can deduplicate. */
export function newMessageId(): string {
  return `msg_${randomUUID().replace(/-/g, "")}`;
}

export type ChannelTarget = { id: string; stormGrouping: boolean };

/**
 * Who a message is for: every channel (the default), only the channels that group storms (the
 * `alert.storm` messages), or only those that do not (one `alert.firing` / `alert.resolved` per
 * execution of a storm, for machines: CONTRACT.md §5).
 */
export type Audience = "all" | "grouped" | "ungrouped";

export type QueuedMessage = { orgId: string; alertIds: string[]; message: Message; audience?: Audience };

/** The enabled channels of each organization, with their storm-grouping setting. */
export async function enabledChannels(client: Queryable, orgIds: readonly string[]): Promise<Map<string, ChannelTarget[]>> {
  const byOrg = new Map<string, ChannelTarget[]>();
  if (orgIds.length === 0) return byOrg;
  const rows = await enabledChannelRows(client, [...new Set(orgIds)]);
  for (const r of rows) byOrg.set(r.orgId, [...(byOrg.get(r.orgId) ?? []), { id: r.id, stormGrouping: r.stormGrouping }]);
  return byOrg;
}

const reaches = (audience: Audience | undefined, c: ChannelTarget) => !audience || audience === "all" || (audience === "grouped") === c.stormGrouping;

/** Queues each message for each enabled channel of its organization that its audience names. */
export async function enqueueForChannels(client: Queryable, messages: readonly QueuedMessage[], channels?: Map<string, ChannelTarget[]>): Promise<number> {
  if (messages.length === 0) return 0;
  const byOrg = channels ?? (await enabledChannels(client, messages.map((m) => m.orgId)));
  const entries: OutboxEntry[] = [];
  for (const m of messages) {
    for (const c of byOrg.get(m.orgId) ?? []) {
      if (reaches(m.audience, c)) entries.push({ orgId: m.orgId, channelId: c.id, type: m.message.type, alertIds: m.alertIds, message: m.message });
    }
  }
  await enqueue(client, entries);
  return entries.length;
}

export async function enqueue(client: Queryable, entries: readonly OutboxEntry[], state: "PENDING" | "DELIVERED" | "FAILED" = "PENDING"): Promise<string[]> {
  if (entries.length === 0) return [];
  const rows = entries.map((e) => ({ orgId: e.orgId, channelId: e.channelId, type: e.type, alertIds: e.alertIds, messageId: newMessageId(), payload: e.message }));
  return insertNotifications(client, rows, state);
}
