// Alert channels: create (the signing secret is returned this once and never again), list,
// update, rotate the secret, delete, and send a test message. Every change is audited; every
// query names the organization, so another organization's channel is not found.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { pool } from "../db/client";
import { badRequest, notFound } from "../alerts/errors";
import type { TestMessage } from "../delivery/payload";
import { enqueue, type Queryable } from "../delivery/outbox";
import { alertingSettings } from "../monitor/settings";
import { audited, type ServiceContext } from "../rbac/audited";
import { send, type AttemptResult, type ChannelType } from "../delivery/senders";

/** Standard Webhooks secret: "whsec_" + base64 of 24 random bytes. */
export function newChannelSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

export type ChannelView = {
  id: string;
  type: ChannelType;
  name: string;
  /** webhook: the URL; Slack: the URL with its secret path masked; email: the recipients */
  target: string;
  enabled: boolean;
  /** one alert.storm for a burst instead of one alert.firing each (CONTRACT.md §5) */
  stormGrouping: boolean;
  createdAt: string;
};

type Row = { id: string; type: ChannelType; name: string; config: { url?: string; to?: string[] }; stormGrouping: boolean; createdAt: Date; disabledAt: Date | null };

/** Storm grouping by default: on for people (Slack, email), off for machines (webhooks). */
export const defaultStormGrouping = (type: ChannelType): boolean => type !== "WEBHOOK";

const COLUMNS = `id, type, name, config, "stormGrouping", "createdAt", "disabledAt"`;

export function maskSlackUrl(url: string): string {
  try {
    const u = new URL(url);
    const parts = u.pathname.split("/").filter(Boolean);
    const last = parts[parts.length - 1] ?? "";
    return `${u.protocol}//${u.host}/…${last.slice(-4)}`;
  } catch {
    return "…";
  }
}

function toView(r: Row): ChannelView {
  const target = r.type === "EMAIL" ? (r.config.to ?? []).join(", ") : r.type === "SLACK" ? maskSlackUrl(r.config.url ?? "") : (r.config.url ?? "");
  return { id: r.id, type: r.type, name: r.name, target, enabled: r.disabledAt === null, stormGrouping: r.stormGrouping, createdAt: r.createdAt.toISOString() };
}

const httpUrl = z.url({ protocol: /^https?$/, error: "url must be an http:// or https:// URL" }).max(2000);
const recipients = z.array(z.email("each recipient must be an email address")).min(1, "name at least one recipient").max(20, "at most 20 recipients");
const name = z.string().trim().min(1).max(200);
const channelId = z.uuid("channelId must be a channel's id");

// left out: the type's default (defaultStormGrouping)
const stormGrouping = z.boolean().optional();

export const createChannelInput = z.discriminatedUnion("type", [
  z.object({ type: z.literal("WEBHOOK"), name: name.optional(), url: httpUrl, stormGrouping }),
  z.object({ type: z.literal("SLACK"), name: name.optional(), url: httpUrl, stormGrouping }),
  z.object({ type: z.literal("EMAIL"), name: name.optional(), to: recipients, stormGrouping }),
]);
export type CreateChannelInput = z.input<typeof createChannelInput>;

export type CreatedChannel = { channel: ChannelView; secret: string };

export async function createChannel(ctx: ServiceContext, input: CreateChannelInput): Promise<CreatedChannel> {
  const { orgId } = ctx;
  const q = createChannelInput.parse(input);
  const secret = newChannelSecret();
  const config = q.type === "EMAIL" ? { to: q.to } : { url: q.url };
  const defaultName = q.type === "EMAIL" ? `Email ${q.to[0]}` : q.type === "SLACK" ? "Slack" : new URL(q.url).host;
  return audited(ctx, { recordRefusals: false, action: "channel.create", resourceType: "alert_channel" }, async (client) => {
    const org = await client.query(`SELECT 1 FROM organizations WHERE id = $1`, [orgId]);
    if (org.rowCount === 0) throw notFound("organization");
    const { rows } = await client.query<Row>(
      `INSERT INTO alert_channels ("orgId", id, type, name, config, secret, "stormGrouping") VALUES ($1, gen_random_uuid(), $2, $3, $4, $5, $6)
       RETURNING ${COLUMNS}`,
      [orgId, q.type, q.name ?? defaultName, JSON.stringify(config), secret, q.stormGrouping ?? defaultStormGrouping(q.type)],
    );
    const channel = toView(rows[0]!);
    return { result: { channel, secret }, resourceId: channel.id, after: channel };
  });
}

export async function listChannels(orgId: string): Promise<ChannelView[]> {
  const { rows } = await pool().query<Row>(`SELECT ${COLUMNS} FROM alert_channels WHERE "orgId" = $1 ORDER BY "createdAt", id`, [orgId]);
  return rows.map(toView);
}

async function channelRow(client: Queryable, orgId: string, id: string, lock = false): Promise<Row & { secret: string }> {
  const { rows } = await client.query<Row & { secret: string }>(
    `SELECT ${COLUMNS}, secret FROM alert_channels WHERE "orgId" = $1 AND id = $2 ${lock ? "FOR UPDATE" : ""}`,
    [orgId, id],
  );
  if (!rows[0]) throw notFound("channel");
  return rows[0];
}

export async function getChannel(orgId: string, input: { channelId: string }): Promise<ChannelView> {
  return toView(await channelRow(pool(), orgId, channelId.parse(input.channelId)));
}

export const updateChannelInput = z.object({
  channelId,
  name: name.optional(),
  url: httpUrl.optional(),
  to: recipients.optional(),
  enabled: z.boolean().optional(),
  stormGrouping,
});

export async function updateChannel(ctx: ServiceContext, input: z.input<typeof updateChannelInput>): Promise<ChannelView> {
  const { orgId } = ctx;
  const q = updateChannelInput.parse(input);
  return audited(ctx, { recordRefusals: false, action: "channel.update", resourceType: "alert_channel", resourceId: q.channelId }, async (client) => {
    const before = await channelRow(client, orgId, q.channelId, true);
    if (q.url !== undefined && before.type === "EMAIL") throw badRequest("an email channel has recipients (to), not a url");
    if (q.to !== undefined && before.type !== "EMAIL") throw badRequest(`a ${before.type.toLowerCase()} channel has a url, not recipients`);
    const config = before.type === "EMAIL" ? { to: q.to ?? before.config.to } : { url: q.url ?? before.config.url };
    const { rows } = await client.query<Row>(
      `UPDATE alert_channels SET name = $3, config = $4,
         "disabledAt" = CASE WHEN $5::boolean IS NULL THEN "disabledAt" WHEN $5 THEN NULL ELSE COALESCE("disabledAt", now()) END,
         "stormGrouping" = COALESCE($6, "stormGrouping")
       WHERE "orgId" = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [orgId, q.channelId, q.name ?? before.name, JSON.stringify(config), q.enabled ?? null, q.stormGrouping ?? null],
    );
    const after = toView(rows[0]!);
    return { result: after, before: toView(before), after };
  });
}

/** A new signing secret, returned this once; the old one stops working at once. */
export async function rotateChannelSecret(ctx: ServiceContext, input: { channelId: string }): Promise<{ channel: ChannelView; secret: string }> {
  const { orgId } = ctx;
  const id = channelId.parse(input.channelId);
  const secret = newChannelSecret();
  return audited(ctx, { recordRefusals: false, action: "channel.rotate_secret", resourceType: "alert_channel", resourceId: id }, async (client) => {
    const before = await channelRow(client, orgId, id, true);
    await client.query(`UPDATE alert_channels SET secret = $3 WHERE "orgId" = $1 AND id = $2`, [orgId, id, secret]);
    return { result: { channel: toView(before), secret } };
  });
}

/** Deletes the channel; its undelivered notifications stop (the worker marks them GONE). */
export async function deleteChannel(ctx: ServiceContext, input: { channelId: string }): Promise<void> {
  const { orgId } = ctx;
  const id = channelId.parse(input.channelId);
  await audited(ctx, { recordRefusals: false, action: "channel.delete", resourceType: "alert_channel", resourceId: id }, async (client) => {
    const before = await channelRow(client, orgId, id, true);
    await client.query(`DELETE FROM alert_channels WHERE "orgId" = $1 AND id = $2`, [orgId, id]);
    return { result: undefined, before: toView(before) };
  });
}

export type TestResult = AttemptResult & { notificationId: string };

/**
 * The "send test" button: sends one test message now (no retries) and records it, with its
 * attempt, like any other notification.
 */
export async function sendTestMessage(ctx: ServiceContext, input: { channelId: string }): Promise<TestResult> {
  const { orgId, actor } = ctx;
  const id = channelId.parse(input.channelId);
  const ch = await channelRow(pool(), orgId, id);
  const s = alertingSettings();
  const message: TestMessage = { type: "test", message: `This is a test message from Runwatch, sent by ${actor.label}.`, channel: { id: ch.id, name: ch.name }, sentAt: new Date().toISOString() };
  const at = new Date();
  const [notificationId] = await enqueue(pool(), [{ orgId, channelId: id, type: "test", alertIds: [], message }], "FAILED");
  const { rows } = await pool().query<{ messageId: string }>(`SELECT "messageId" FROM notifications WHERE "orgId" = $1 AND id = $2`, [orgId, notificationId]);
  const result = await send({ id: ch.id, type: ch.type, name: ch.name, config: ch.config, secret: ch.secret }, rows[0]!.messageId, message, { timeoutMs: s.timeoutMs, smtpUrl: s.smtpUrl, smtpFrom: s.smtpFrom });
  // the attempt and its audit entry (success as delivered) in one transaction
  await audited(ctx, { recordRefusals: false, action: "channel.test", resourceType: "alert_channel", resourceId: id }, async (client) => {
    await client.query(
      `INSERT INTO delivery_attempts ("orgId", "notificationId", "channelId", attempt, at, "statusCode", "latencyMs", ok, error) VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8)`,
      [orgId, notificationId, id, at, result.statusCode, result.latencyMs, result.ok, result.error],
    );
    await client.query(
      `UPDATE notifications SET attempts = 1, state = $3::"NotificationState", "deliveredAt" = CASE WHEN $3 = 'DELIVERED' THEN now() END, "lastError" = $4 WHERE "orgId" = $1 AND id = $2`,
      [orgId, notificationId, result.ok ? "DELIVERED" : "FAILED", result.error],
    );
    return { result: undefined, details: { statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error }, success: result.ok };
  });
  return { ...result, notificationId: notificationId! };
}
