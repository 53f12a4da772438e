// The api_keys table's SQL: the authentication lookup of every /api/v1 request (and its
// lastUsedAt touch), and the key list, creation and revocation of the settings page and the CLI.
// keyHash is only ever compared, never selected, so it cannot reach a caller by accident.
import { z } from "zod";
import { defineCommand, defineQuery, type Queryable } from "../db/sql";

/** The channel the api_keys trigger (migration 20261201132000) announces a changed key's id on. */
export const API_KEY_CHANNEL = "runwatch_api_key_changed";

const LISTEN = defineCommand("apikeys.listen", `LISTEN ${API_KEY_CHANNEL}`);

/** Subscribes this connection to the announcements of changed keys. */
export const listenForKeyChanges = (db: Queryable) => LISTEN.run(db, []);

const ACTIVE_BY_HASH = defineQuery(
  "apikeys.active_by_hash",
  `SELECT "orgId", id, name, "lastUsedAt" FROM api_keys WHERE "keyHash" = $1 AND "revokedAt" IS NULL`,
  z.object({ orgId: z.string(), id: z.string(), name: z.string(), lastUsedAt: z.date().nullable() }),
);

/** The key with this hash, unless it is revoked: the lookup behind every API request not served from the cache. */
export const activeKeyByHash = (db: Queryable, hash: string) => ACTIVE_BY_HASH.first(db, [hash]);

const TOUCH = defineCommand("apikeys.touch", `UPDATE api_keys SET "lastUsedAt" = now() WHERE "orgId" = $1 AND id = $2`);

export const touchApiKey = (db: Queryable, orgId: string, id: string) => TOUCH.run(db, [orgId, id]);

const INSERT = defineCommand(
  "apikeys.insert",
  `INSERT INTO api_keys ("orgId", id, name, prefix, "keyHash", "createdByUserId") VALUES ($1, $2, $3, $4, $5, $6)`,
);

export const insertApiKey = (db: Queryable, k: { orgId: string; id: string; name: string; prefix: string; keyHash: string; createdByUserId: string | null }) =>
  INSERT.run(db, [k.orgId, k.id, k.name, k.prefix, k.keyHash, k.createdByUserId]);

export const apiKeyRow = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  creatorId: z.string().nullable(),
  creatorName: z.string().nullable(),
  creatorEmail: z.string().nullable(),
});
export type ApiKeyRow = z.infer<typeof apiKeyRow>;

// explicit columns: keyHash is never selected
const SELECT = `SELECT k.id, k.name, k.prefix, k."createdAt", k."lastUsedAt", k."revokedAt",
    u.id AS "creatorId", u.name AS "creatorName", u.email AS "creatorEmail"
  FROM api_keys k LEFT JOIN users u ON u.id = k."createdByUserId"`;

// an organization has a handful of keys, not thousands: one bounded read, no paging
const LIST = defineQuery("apikeys.list", `${SELECT} WHERE k."orgId" = $1 ORDER BY (k."revokedAt" IS NULL) DESC, k."createdAt" DESC, k.id DESC LIMIT 500`, apiKeyRow);

/** Active keys first, newest first; revoked keys stay listed as a record. */
export const apiKeyRows = (db: Queryable, orgId: string) => LIST.all(db, [orgId]);

const BY_ID = defineQuery("apikeys.by_id", `${SELECT} WHERE k."orgId" = $1 AND k.id = $2`, apiKeyRow);

export const apiKeyRowById = (db: Queryable, orgId: string, id: string) => BY_ID.first(db, [orgId, id]);

const LOCK_BY_ID = defineQuery("apikeys.lock_by_id", `${SELECT} WHERE k."orgId" = $1 AND k.id = $2 FOR UPDATE OF k`, apiKeyRow);

/** The key's row, locked for its revocation; null when the organization has no such key. */
export const lockApiKeyRow = (db: Queryable, orgId: string, id: string) => LOCK_BY_ID.first(db, [orgId, id]);

const REVOKE = defineQuery(
  "apikeys.revoke",
  `UPDATE api_keys SET "revokedAt" = now() WHERE "orgId" = $1 AND id = $2 RETURNING "revokedAt"`,
  z.object({ revokedAt: z.date() }),
);

/** Revokes a key the caller has locked; its revocation time. */
export const revokeApiKeyRow = async (db: Queryable, orgId: string, id: string) => (await REVOKE.one(db, [orgId, id])).revokedAt;

const IDS_OF_ORG = defineQuery("apikeys.ids_of_org", `SELECT id::text FROM api_keys WHERE "orgId" = $1`, z.object({ id: z.string() }));

/** Every key of the organization, revoked or not (an organization's deletion waits for each one's announcement). */
export const apiKeyIdsOfOrg = async (db: Queryable, orgId: string) => (await IDS_OF_ORG.all(db, [orgId])).map((r) => r.id);
