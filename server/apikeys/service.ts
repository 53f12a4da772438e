import { config, sessionDatabaseUrl } from "../config";
import { pool, prisma } from "../db/client";
import { ApiKeyCache } from "./cache";
import { API_KEY_PATTERN, displayPrefix, generateApiKey, hashApiKey } from "./keys";

export type CreatedApiKey = { id: string; key: string; prefix: string; name: string };

export async function createApiKey(orgId: string, name: string, createdByUserId: string | null = null): Promise<CreatedApiKey> {
  const key = generateApiKey();
  const row = await prisma().apiKey.create({
    data: { orgId, name, prefix: displayPrefix(key), keyHash: hashApiKey(key), createdByUserId },
    select: { id: true, prefix: true, name: true },
  });
  return { ...row, key };
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
    globalForKeys.runwatchApiKeyCache = config().RUNWATCH_EMBEDDED_DB === "1" ? null : new ApiKeyCache(sessionDatabaseUrl);
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
  const { rows } = await pool().query<{ orgId: string; id: string; name: string; lastUsedAt: Date | null }>(
    `SELECT "orgId", id, name, "lastUsedAt" FROM api_keys WHERE "keyHash" = $1 AND "revokedAt" IS NULL`,
    [hash],
  );
  const row = rows[0];
  if (!row) return null;
  const principal = { orgId: row.orgId, apiKeyId: row.id, name: row.name };
  let lastUsedAt = row.lastUsedAt;
  if (isStale(lastUsedAt)) {
    lastUsedAt = new Date();
    await touch(principal);
  }
  cache?.set(hash, row.id, { principal, lastUsedAt }, mark);
  return principal;
}

const isStale = (lastUsedAt: Date | null) => !lastUsedAt || Date.now() - lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS;

async function touch(p: ApiKeyPrincipal): Promise<void> {
  await pool().query(`UPDATE api_keys SET "lastUsedAt" = now() WHERE "orgId" = $1 AND id = $2`, [p.orgId, p.apiKeyId]);
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

export async function revokeApiKey(orgId: string, id: string): Promise<boolean> {
  const announced = awaitApiKeyAnnouncement(id);
  const res = await prisma().apiKey.updateMany({ where: { orgId, id, revokedAt: null }, data: { revokedAt: new Date() } });
  await afterApiKeyRevoked(id, res.count === 1 ? announced : Promise.resolve());
  return res.count === 1;
}
