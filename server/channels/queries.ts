// The SQL of alert channels (server/channels/service.ts). Every statement names the organization,
// so another organization's channel is not found.
import { z } from "zod";
import { defineCommand, defineQuery, type Queryable } from "../db/sql";

const channelRow = z.object({
  id: z.string(),
  type: z.enum(["WEBHOOK", "SLACK", "EMAIL"]),
  name: z.string(),
  config: z.object({ url: z.string().optional(), to: z.array(z.string()).optional() }),
  stormGrouping: z.boolean(),
  createdAt: z.date(),
  disabledAt: z.date().nullable(),
});
export type ChannelRow = z.output<typeof channelRow>;
const withSecret = channelRow.extend({ secret: z.string() });
export type ChannelRowWithSecret = z.output<typeof withSecret>;

const COLUMNS = `id::text, type::text, name, config, "stormGrouping", "createdAt", "disabledAt"`;

const ORG_EXISTS = defineQuery("channels.org_exists", `SELECT true AS found FROM organizations WHERE id = $1`, z.object({ found: z.boolean() }));
export const orgExists = async (db: Queryable, orgId: string) => (await ORG_EXISTS.first(db, [orgId])) !== null;

const INSERT = defineQuery(
  "channels.insert",
  `INSERT INTO alert_channels ("orgId", id, type, name, config, secret, "stormGrouping") VALUES ($1, gen_random_uuid(), $2, $3, $4, $5, $6)
   RETURNING ${COLUMNS}`,
  channelRow,
);
export type NewChannel = { type: ChannelRow["type"]; name: string; config: ChannelRow["config"]; secret: string; stormGrouping: boolean };
export const insertChannel = (db: Queryable, orgId: string, c: NewChannel) => INSERT.one(db, [orgId, c.type, c.name, JSON.stringify(c.config), c.secret, c.stormGrouping]);

const LIST = defineQuery("channels.list", `SELECT ${COLUMNS} FROM alert_channels WHERE "orgId" = $1 ORDER BY "createdAt", id`, channelRow);
export const channelRows = (db: Queryable, orgId: string) => LIST.all(db, [orgId]);

const ONE = defineQuery("channels.one", `SELECT ${COLUMNS}, secret FROM alert_channels WHERE "orgId" = $1 AND id = $2`, withSecret);
const ONE_LOCKED = defineQuery("channels.one_locked", `SELECT ${COLUMNS}, secret FROM alert_channels WHERE "orgId" = $1 AND id = $2 FOR UPDATE`, withSecret);
/** A channel with its secret, or null; `lock` holds its row until the transaction ends. */
export const channelWithSecret = (db: Queryable, orgId: string, id: string, lock = false) => (lock ? ONE_LOCKED : ONE).first(db, [orgId, id]);

const UPDATE = defineQuery(
  "channels.update",
  `UPDATE alert_channels SET name = $3, config = $4,
     "disabledAt" = CASE WHEN $5::boolean IS NULL THEN "disabledAt" WHEN $5 THEN NULL ELSE COALESCE("disabledAt", now()) END,
     "stormGrouping" = COALESCE($6, "stormGrouping")
   WHERE "orgId" = $1 AND id = $2 RETURNING ${COLUMNS}`,
  channelRow,
);
/** `enabled` and `stormGrouping` null: left as they are. */
export const updateChannelRow = (db: Queryable, orgId: string, id: string, c: { name: string; config: ChannelRow["config"]; enabled: boolean | null; stormGrouping: boolean | null }) =>
  UPDATE.one(db, [orgId, id, c.name, JSON.stringify(c.config), c.enabled, c.stormGrouping]);

const SET_SECRET = defineCommand("channels.set_secret", `UPDATE alert_channels SET secret = $3 WHERE "orgId" = $1 AND id = $2`);
export const setChannelSecret = (db: Queryable, orgId: string, id: string, secret: string) => SET_SECRET.run(db, [orgId, id, secret]);

const DELETE = defineCommand("channels.delete", `DELETE FROM alert_channels WHERE "orgId" = $1 AND id = $2`);
export const deleteChannelRow = (db: Queryable, orgId: string, id: string) => DELETE.run(db, [orgId, id]);

/* --- the test message: its notification, attempt and outcome ----------------------------------- */

const MESSAGE_ID = defineQuery("channels.message_id", `SELECT "messageId" FROM notifications WHERE "orgId" = $1 AND id = $2`, z.object({ messageId: z.string() }));
/** The message id the outbox gave a notification (its receivers deduplicate on it). */
export const notificationMessageId = async (db: Queryable, orgId: string, notificationId: string) => (await MESSAGE_ID.one(db, [orgId, notificationId])).messageId;

const INSERT_ATTEMPT = defineCommand(
  "channels.insert_test_attempt",
  `INSERT INTO delivery_attempts ("orgId", "notificationId", "channelId", attempt, at, "statusCode", "latencyMs", ok, error) VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8)`,
);
const SETTLE_NOTIFICATION = defineCommand(
  "channels.settle_test_notification",
  `UPDATE notifications SET attempts = 1, state = $3::"NotificationState", "deliveredAt" = CASE WHEN $3 = 'DELIVERED' THEN now() END, "lastError" = $4 WHERE "orgId" = $1 AND id = $2`,
);
export type TestAttempt = { notificationId: string; channelId: string; at: Date; statusCode: number | null; latencyMs: number; ok: boolean; error: string | null };
/** The test message's one attempt, and its notification delivered or failed. */
export async function recordTestAttempt(db: Queryable, orgId: string, a: TestAttempt): Promise<void> {
  await INSERT_ATTEMPT.run(db, [orgId, a.notificationId, a.channelId, a.at, a.statusCode, a.latencyMs, a.ok, a.error]);
  await SETTLE_NOTIFICATION.run(db, [orgId, a.notificationId, a.ok ? "DELIVERED" : "FAILED", a.error]);
}
