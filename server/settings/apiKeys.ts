// API keys as the settings page manages them: list (never the hash), create (the key is returned
// this once and never again), revoke (authentication refuses the key from the next request on:
// the revocation drops it from every process's key cache before it returns; server/apikeys/cache.ts).
import { z } from "zod";
import { apiKeyRowById, apiKeyRows, lockApiKeyRow, revokeApiKeyRow, type ApiKeyRow } from "../apikeys/queries";
import { afterApiKeyRevoked, awaitApiKeyAnnouncement, createApiKey } from "../apikeys/service";
import type { ReadContext } from "../context";
import { primaryFor } from "../db/client";
import { SettingsError } from "./errors";
import { audited, type ServiceContext } from "../rbac/audited";

export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  createdBy: z.object({ userId: z.string(), name: z.string(), email: z.string() }).nullable(),
});
export type ApiKeyView = z.infer<typeof apiKeySchema>;

export const createApiKeyInput = z.object({ name: z.string().trim().min(1, "name must not be empty").max(100, "name must be at most 100 characters") });
export const revokeApiKeyInput = z.object({ id: z.string().min(1).max(100) });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const toView = (r: ApiKeyRow): ApiKeyView => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  createdAt: r.createdAt,
  lastUsedAt: r.lastUsedAt,
  revokedAt: r.revokedAt,
  createdBy: r.creatorId ? { userId: r.creatorId, name: r.creatorName ?? "", email: r.creatorEmail ?? "" } : null,
});

/** Active keys first, newest first; revoked keys stay listed (greyed out) as a record. */
export async function listApiKeys(ctx: ReadContext): Promise<ApiKeyView[]> {
  return (await apiKeyRows(primaryFor(ctx), ctx.orgId)).map(toView);
}

export type CreatedKey = { key: string; apiKey: ApiKeyView };

/** A key created from the settings page: the key itself this once, and the list's view of it. */
export async function createOrgApiKey(ctx: ServiceContext, input: z.input<typeof createApiKeyInput>): Promise<CreatedKey> {
  const q = createApiKeyInput.parse(input);
  const created = await createApiKey(ctx, { name: q.name });
  const row = await apiKeyRowById(primaryFor(ctx), ctx.orgId, created.id);
  if (!row) throw new SettingsError("NOT_FOUND", "API key not found");
  return { key: created.key, apiKey: toView(row) };
}

export async function revokeOrgApiKey(ctx: ServiceContext, input: z.input<typeof revokeApiKeyInput>): Promise<ApiKeyView> {
  const q = revokeApiKeyInput.parse(input);
  const announced = UUID.test(q.id) ? awaitApiKeyAnnouncement(q.id) : Promise.resolve();
  const view = await audited(ctx, { action: "api_key.revoke", resourceType: "api_key", resourceId: q.id, permission: "apiKeys:manage" }, async (client) => {
    if (!UUID.test(q.id)) throw new SettingsError("NOT_FOUND", "API key not found");
    const before = await lockApiKeyRow(client, ctx.orgId, q.id);
    if (!before) throw new SettingsError("NOT_FOUND", "API key not found");
    if (before.revokedAt) throw new SettingsError("CONFLICT", "this API key is already revoked");
    const after = { ...before, revokedAt: await revokeApiKeyRow(client, ctx.orgId, q.id) };
    return {
      result: toView(after),
      before: { name: before.name, prefix: before.prefix, revokedAt: null },
      after: { name: before.name, prefix: before.prefix, revokedAt: after.revokedAt },
    };
  });
  await afterApiKeyRevoked(q.id, announced);
  return view;
}
