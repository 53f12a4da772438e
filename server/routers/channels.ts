// Alert channels (webhook, Slack, email), ADMIN and up. The signing secret appears only in the
// answers of create and rotateSecret; every other output schema has no field for it, so it cannot
// leak through a list even if a service started returning it.
import { z } from "zod";
import { createChannel, createChannelInput, deleteChannel, listChannels, rotateChannelSecret, sendTestMessage, updateChannel, updateChannelInput } from "../channels/service";
import { createTRPCRouter, serviceContext, permissionProcedure } from "../trpc";

export const channelViewSchema = z.object({
  id: z.string(),
  type: z.enum(["WEBHOOK", "SLACK", "EMAIL"]),
  name: z.string(),
  target: z.string(),
  enabled: z.boolean(),
  stormGrouping: z.boolean(),
  createdAt: z.string(),
});

const withSecret = z.object({ channel: channelViewSchema, secret: z.string() });
const channelRef = z.object({ channelId: z.string().max(100) });
const channelAudit = (action: string) => ({ audit: { action, resourceType: "alert_channel", resourceIdFrom: "channelId" } });

export const channelsRouter = createTRPCRouter({
  list: permissionProcedure("channels:manage")
    .output(z.object({ items: z.array(channelViewSchema) }))
    .query(async ({ ctx }) => ({ items: await listChannels(serviceContext(ctx)) })),

  create: permissionProcedure("channels:manage")
    .meta({ audit: { action: "channel.create", resourceType: "alert_channel" } })
    .input(createChannelInput)
    .output(withSecret)
    .mutation(({ ctx, input }) => createChannel(serviceContext(ctx), input)),

  /** rename, change the URL or recipients, disable (enabled: false) or enable again */
  update: permissionProcedure("channels:manage")
    .meta(channelAudit("channel.update"))
    .input(updateChannelInput)
    .output(channelViewSchema)
    .mutation(({ ctx, input }) => updateChannel(serviceContext(ctx), input)),

  rotateSecret: permissionProcedure("channels:manage")
    .meta(channelAudit("channel.rotate_secret"))
    .input(channelRef)
    .output(withSecret)
    .mutation(({ ctx, input }) => rotateChannelSecret(serviceContext(ctx), input)),

  delete: permissionProcedure("channels:manage")
    .meta(channelAudit("channel.delete"))
    .input(channelRef)
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(async ({ ctx, input }) => (await deleteChannel(serviceContext(ctx), input), { deleted: true as const })),

  sendTest: permissionProcedure("channels:manage")
    .meta(channelAudit("channel.test"))
    .input(channelRef)
    .output(z.object({ ok: z.boolean(), gone: z.boolean(), statusCode: z.number().int().nullable(), latencyMs: z.number(), error: z.string().nullable(), notificationId: z.string() }))
    .mutation(({ ctx, input }) => sendTestMessage(serviceContext(ctx), input)),
});
