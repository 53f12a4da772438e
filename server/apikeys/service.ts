import { pool, prisma } from "../db/client";
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

/** The organization an API key belongs to, or null when it is malformed, unknown or revoked. */
export async function authenticateApiKey(key: string): Promise<ApiKeyPrincipal | null> {
  if (!API_KEY_PATTERN.test(key)) return null;
  const { rows } = await pool().query<{ orgId: string; id: string; name: string; lastUsedAt: Date | null }>(
    `SELECT "orgId", id, name, "lastUsedAt" FROM api_keys WHERE "keyHash" = $1 AND "revokedAt" IS NULL`,
    [hashApiKey(key)],
  );
  const row = rows[0];
  if (!row) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await pool().query(`UPDATE api_keys SET "lastUsedAt" = now() WHERE "orgId" = $1 AND id = $2`, [row.orgId, row.id]);
  }
  return { orgId: row.orgId, apiKeyId: row.id, name: row.name };
}

export async function revokeApiKey(orgId: string, id: string): Promise<boolean> {
  const res = await prisma().apiKey.updateMany({ where: { orgId, id, revokedAt: null }, data: { revokedAt: new Date() } });
  return res.count === 1;
}
