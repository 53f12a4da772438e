// API keys: creation (the one way a key comes to be: the settings page, the CLI, the demo seed),
// authentication with this process's cache, and what a revocation waits for.
import { randomUUID } from "node:crypto";
import { config, sessionDatabaseUrl } from "../config";
import type { ServiceContext } from "../context";
import { pool } from "../db/client";
import { audited } from "../rbac/audited";
import { newApiKeyCache, type ApiKeyCache } from "./cache";
import { API_KEY_PATTERN, displayPrefix, generateApiKey, hashApiKey } from "./keys";
import { activeKeyByHash, insertApiKey, touchApiKey } from "./queries";

export type CreatedApiKey = { id: string; key: string; prefix: string; name: string };

/**
 * A new key for ctx's organization, returned this once (only its hash is stored), audited as
 * api_key.create. createdByUserId defaults to the acting user; the demo seed names the owner.
 */
export async function createApiKey(ctx: ServiceContext, input: { name: string; createdByUserId?: string | null }): Promise<CreatedApiKey> {
  const createdByUserId = input.createdByUserId !== undefined ? input.createdByUserId : ctx.actor.type === "USER" ? ctx.actor.userId : null;
  return audited(ctx, { action: "api_key.create", resourceType: "api_key", permission: "apiKeys:manage" }, async (client) => {
    const key = generateApiKey();
    const created = { id: randomUUID(), key, prefix: displayPrefix(key), name: input.name };
    await insertApiKey(client, { orgId: ctx.orgId, id: created.id, name: created.name, prefix: created.prefix, keyHash: hashApiKey(key), createdByUserId });
    return { result: created, resourceId: created.id, after: { name: created.name, prefix: created.prefix } };
  });
}

export type ApiKeyPrincipal = { orgId: string; apiKeyId: string; name: string };

// lastUsedAt is written at most once a minute per key, so a busy key costs no extra write per request
const LAST_USED_RESOLUTION_MS = 60_000;

const globalForKeys = globalThis as unknown as { runwatchApiKeyCache?: ApiKeyCache<ApiKeyPrincipal> | null };

/**
 * This process's key cache (server/apikeys/cache.ts), or null with embedded PostgreSQL, which
 * serves one connection only and so cannot spare one for listening.
 */
export function apiKeyCache(): ApiKeyCache<ApiKeyPrincipal> | null {
  if (globalForKeys.runwatchApiKeyCache === undefined) {
    globalForKeys.runwatchApiKeyCache = config().RUNWATCH_EMBEDDED_DB === "1" ? null : newApiKeyCache<ApiKeyPrincipal>(sessionDatabaseUrl);
  }
  return globalForKeys.runwatchApiKeyCache;
}

/** The organization an API key belongs to, or null when it is malformed, unknown or revoked. */
export async function authenticateApiKey(key: string): Promise<ApiKeyPrincipal | null> {
  if (!API_KEY_PATTERN.test(key)) return null;
  const hash = hashApiKey(key);
  const cache = apiKeyCache();
  const cached = cache?.get(hash);
  if (cached) {
    if (isStale(cached.lastUsedAt)) {
      cached.lastUsedAt = new Date();
      await touch(cached.principal);
    }
    return cached.principal;
  }
  const mark = cache?.mark() ?? 0;
  const row = await activeKeyByHash(pool(), hash);
  if (!row) return null;
  const principal = { orgId: row.orgId, apiKeyId: row.id, name: row.name };
  let lastUsedAt = row.lastUsedAt;
  if (isStale(lastUsedAt)) {
    lastUsedAt = new Date();
    await touch(principal);
  }
  cache?.set(hash, [row.id], { principal, lastUsedAt }, mark);
  return principal;
}

const isStale = (lastUsedAt: Date | null) => !lastUsedAt || Date.now() - lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS;

async function touch(p: ApiKeyPrincipal): Promise<void> {
  await touchApiKey(pool(), p.orgId, p.apiKeyId);
}

/**
 * Call after a revocation commits: drops the key here at once, and waits until the trigger's
 * announcement has come round, so the other processes refuse the key too when this returns.
 */
export async function afterApiKeyRevoked(keyId: string, announced: Promise<void>): Promise<void> {
  apiKeyCache()?.evict(keyId);
  await announced;
}

/** Starts waiting for the announcement of a change to keyId; call BEFORE the change commits. */
export function awaitApiKeyAnnouncement(keyId: string): Promise<void> {
  return apiKeyCache()?.announcement(keyId) ?? Promise.resolve();
}
