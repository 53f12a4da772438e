// Alert channels: create (the signing secret is returned this once and never again), list,
// update, rotate the secret, delete, and send a test message. Every change is audited; every
// query names the organization, so another organization's channel is not found.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { pool, primaryFor } from "../db/client";
import { badRequest, notFound } from "../alerts/errors";
import type { ReadContext } from "../context";
import type { Queryable } from "../db/sql";
import type { TestMessage } from "../delivery/payload";
import { enqueue } from "../delivery/outbox";
import { alertingSettings } from "../monitor/settings";
import { audited, type ServiceContext } from "../rbac/audited";
import { send, type AttemptResult, type ChannelType } from "../delivery/senders";
import * as q from "./queries";

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

/** Storm grouping by default: on for people (Slack, email), off for machines (webhooks). */
export const defaultStormGrouping = (type: ChannelType): boolean => type !== "WEBHOOK";

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

function toView(r: q.ChannelRow): ChannelView {
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
  const c = createChannelInput.parse(input);
  const secret = newChannelSecret();
  const config = c.type === "EMAIL" ? { to: c.to } : { url: c.url };
  const defaultName = c.type === "EMAIL" ? `Email ${c.to[0]}` : c.type === "SLACK" ? "Slack" : new URL(c.url).host;
  return audited(ctx, { recordRefusals: false, action: "channel.create", resourceType: "alert_channel" }, async (client) => {
    if (!(await q.orgExists(client, orgId))) throw notFound("organization");
    const row = await q.insertChannel(client, orgId, { type: c.type, name: c.name ?? defaultName, config, secret, stormGrouping: c.stormGrouping ?? defaultStormGrouping(c.type) });
    const channel = toView(row);
    return { result: { channel, secret }, resourceId: channel.id, after: channel };
  });
}

export async function listChannels(ctx: ReadContext): Promise<ChannelView[]> {
  return (await q.channelRows(primaryFor(ctx), ctx.orgId)).map(toView);
}

async function channelRow(client: Queryable, orgId: string, id: string, lock = false): Promise<q.ChannelRowWithSecret> {
  const row = await q.channelWithSecret(client, orgId, id, lock);
  if (!row) throw notFound("channel");
  return row;
}

export async function getChannel(ctx: ReadContext, input: { channelId: string }): Promise<ChannelView> {
  return toView(await channelRow(primaryFor(ctx), ctx.orgId, channelId.parse(input.channelId)));
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
  const u = updateChannelInput.parse(input);
  return audited(ctx, { recordRefusals: false, action: "channel.update", resourceType: "alert_channel", resourceId: u.channelId }, async (client) => {
    const before = await channelRow(client, orgId, u.channelId, true);
    if (u.url !== undefined && before.type === "EMAIL") throw badRequest("an email channel has recipients (to), not a url");
    if (u.to !== undefined && before.type !== "EMAIL") throw badRequest(`a ${before.type.toLowerCase()} channel has a url, not recipients`);
    const config = before.type === "EMAIL" ? { to: u.to ?? before.config.to } : { url: u.url ?? before.config.url };
    const row = await q.updateChannelRow(client, orgId, u.channelId, { name: u.name ?? before.name, config, enabled: u.enabled ?? null, stormGrouping: u.stormGrouping ?? null });
    const after = toView(row);
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
    await q.setChannelSecret(client, orgId, id, secret);
    return { result: { channel: toView(before), secret } };
  });
}

/** Deletes the channel; its undelivered notifications stop (the worker marks them GONE). */
export async function deleteChannel(ctx: ServiceContext, input: { channelId: string }): Promise<void> {
  const { orgId } = ctx;
  const id = channelId.parse(input.channelId);
  await audited(ctx, { recordRefusals: false, action: "channel.delete", resourceType: "alert_channel", resourceId: id }, async (client) => {
    const before = await channelRow(client, orgId, id, true);
    await q.deleteChannelRow(client, orgId, id);
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
  if (notificationId === undefined) throw new Error("the outbox returned no notification for the test message");
  const messageId = await q.notificationMessageId(pool(), orgId, notificationId);
  const result = await send({ id: ch.id, type: ch.type, name: ch.name, config: ch.config, secret: ch.secret }, messageId, message, { timeoutMs: s.timeoutMs, smtpUrl: s.smtpUrl, smtpFrom: s.smtpFrom });
  // the attempt and its audit entry (success as delivered) in one transaction
  await audited(ctx, { recordRefusals: false, action: "channel.test", resourceType: "alert_channel", resourceId: id }, async (client) => {
    await q.recordTestAttempt(client, orgId, { notificationId, channelId: id, at, statusCode: result.statusCode, latencyMs: result.latencyMs, ok: result.ok, error: result.error });
    return { result: undefined, details: { statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error }, success: result.ok };
  });
  return { ...result, notificationId };
}
