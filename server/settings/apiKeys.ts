// API keys as the settings page manages them: list (never the hash), create (the key is returned
// this once and never again), revoke (authentication refuses the key from the next request on:
// the revocation drops it from every process's key cache before it returns; server/apikeys/cache.ts).
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { displayPrefix, generateApiKey, hashApiKey } from "../apikeys/keys";
import { afterApiKeyRevoked, awaitApiKeyAnnouncement } from "../apikeys/service";
import { pool } from "../db/client";
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

type Row = Omit<ApiKeyView, "createdBy"> & { creatorId: string | null; creatorName: string | null; creatorEmail: string | null };

// explicit columns: keyHash is never selected, so it cannot reach a caller by accident
const SELECT = `SELECT k.id, k.name, k.prefix, k."createdAt", k."lastUsedAt", k."revokedAt",
    u.id AS "creatorId", u.name AS "creatorName", u.email AS "creatorEmail"
  FROM api_keys k LEFT JOIN users u ON u.id = k."createdByUserId"`;

const toView = (r: Row): ApiKeyView => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  createdAt: r.createdAt,
  lastUsedAt: r.lastUsedAt,
  revokedAt: r.revokedAt,
  createdBy: r.creatorId ? { userId: r.creatorId, name: r.creatorName ?? "", email: r.creatorEmail ?? "" } : null,
});

/** Active keys first, newest first; revoked keys stay listed (greyed out) as a record. */
export async function listApiKeys(orgId: string): Promise<ApiKeyView[]> {
  // an organization has a handful of keys, not thousands: one bounded read, no paging
  const { rows } = await pool().query<Row>(
    `${SELECT} WHERE k."orgId" = $1 ORDER BY (k."revokedAt" IS NULL) DESC, k."createdAt" DESC, k.id DESC LIMIT 500`,
    [orgId],
  );
  return rows.map(toView);
}

export type CreatedKey = { key: string; apiKey: ApiKeyView };

export async function createOrgApiKey(ctx: ServiceContext, input: z.input<typeof createApiKeyInput>): Promise<CreatedKey> {
  const q = createApiKeyInput.parse(input);
  const createdByUserId = ctx.actor.type === "USER" ? ctx.actor.userId : null;
  return audited(ctx, { action: "api_key.create", resourceType: "api_key", permission: "apiKeys:manage" }, async (client) => {
    const key = generateApiKey();
    const id = randomUUID();
    await client.query(`INSERT INTO api_keys ("orgId", id, name, prefix, "keyHash", "createdByUserId") VALUES ($1, $2, $3, $4, $5, $6)`, [
      ctx.orgId,
      id,
      q.name,
      displayPrefix(key),
      hashApiKey(key),
      createdByUserId,
    ]);
    const { rows } = await client.query<Row>(`${SELECT} WHERE k."orgId" = $1 AND k.id = $2`, [ctx.orgId, id]);
    const apiKey = toView(rows[0]!);
    return { result: { key, apiKey }, resourceId: id, after: { name: apiKey.name, prefix: apiKey.prefix } };
  });
}

export async function revokeOrgApiKey(ctx: ServiceContext, input: z.input<typeof revokeApiKeyInput>): Promise<ApiKeyView> {
  const q = revokeApiKeyInput.parse(input);
  const announced = UUID.test(q.id) ? awaitApiKeyAnnouncement(q.id) : Promise.resolve();
  const view = await audited(ctx, { action: "api_key.revoke", resourceType: "api_key", resourceId: q.id, permission: "apiKeys:manage" }, async (client) => {
    if (!UUID.test(q.id)) throw new SettingsError("NOT_FOUND", "API key not found");
    const { rows } = await client.query<Row>(`${SELECT} WHERE k."orgId" = $1 AND k.id = $2 FOR UPDATE OF k`, [ctx.orgId, q.id]);
    const before = rows[0];
    if (!before) throw new SettingsError("NOT_FOUND", "API key not found");
    if (before.revokedAt) throw new SettingsError("CONFLICT", "this API key is already revoked");
    const { rows: updated } = await client.query<{ revokedAt: Date }>(
      `UPDATE api_keys SET "revokedAt" = now() WHERE "orgId" = $1 AND id = $2 RETURNING "revokedAt"`,
      [ctx.orgId, q.id],
    );
    const after = { ...before, revokedAt: updated[0]!.revokedAt };
    return {
      result: toView(after),
      before: { name: before.name, prefix: before.prefix, revokedAt: null },
      after: { name: before.name, prefix: before.prefix, revokedAt: after.revokedAt },
    };
  });
  await afterApiKeyRevoked(q.id, announced);
  return view;
}
