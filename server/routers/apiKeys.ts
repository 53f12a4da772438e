import { z } from "zod";
import { apiKeySchema, createApiKeyInput, createOrgApiKey, listApiKeys, revokeApiKeyInput, revokeOrgApiKey } from "../settings/apiKeys";
import { createTRPCRouter, serviceContext, permissionProcedure } from "../trpc";

// strict: a column added to the row (the hash above all) fails the output check instead of leaking
const apiKeyOutput = apiKeySchema.strict();

export const apiKeysRouter = createTRPCRouter({
  list: permissionProcedure("apiKeys:manage")
    .output(z.object({ items: z.array(apiKeyOutput) }))
    .query(async ({ ctx }) => ({ items: await listApiKeys(serviceContext(ctx)) })),

  /** The only answer that ever carries the key itself; it is not stored and cannot be shown again. */
  create: permissionProcedure("apiKeys:manage")
    .meta({ audit: { action: "api_key.create", resourceType: "api_key" } })
    .input(createApiKeyInput)
    .output(z.object({ key: z.string().regex(/^rw_/), apiKey: apiKeyOutput }).strict())
    .mutation(({ ctx, input }) => createOrgApiKey(serviceContext(ctx), input)),

  revoke: permissionProcedure("apiKeys:manage")
    .meta({ audit: { action: "api_key.revoke", resourceType: "api_key", resourceIdFrom: "id" } })
    .input(revokeApiKeyInput)
    .output(apiKeyOutput)
    .mutation(({ ctx, input }) => revokeOrgApiKey(serviceContext(ctx), input)),
});
