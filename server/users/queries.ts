// The SQL of users where Prisma cannot do the job: creating a user inside another change's
// transaction (adding a member who has no account yet, server/members/service.ts, so a failed add
// leaves no orphan user behind), and merging a preference in one statement. Everything else about
// users goes through Prisma (server/users/service.ts, preferences.ts).
import { z } from "zod";
import { defineCommand, defineQuery, type Queryable } from "../db/sql";

const BY_EMAIL = defineQuery("users.id_by_email", `SELECT id FROM users WHERE email = $1`, z.object({ id: z.string() }));
/** The id of the user with this (normalized) email, or null. */
export const userIdByEmail = async (db: Queryable, email: string) => (await BY_EMAIL.first(db, [email]))?.id ?? null;

const INSERT_USER = defineCommand(
  "users.insert",
  `INSERT INTO users (id, email, name, "emailVerified", "isPlatformAdmin", "createdAt", "updatedAt") VALUES ($1, $2, $3, true, false, now(), now())`,
);
// better-auth finds the password on the account whose providerId is "credential" and whose accountId is the user's id
const INSERT_CREDENTIAL = defineCommand(
  "users.insert_credential",
  `INSERT INTO accounts (id, "userId", "accountId", "providerId", password, "createdAt", "updatedAt") VALUES ($1, $2, $2, 'credential', $3, now(), now())`,
);
/** The rows createUser writes (a user and its credential account), in the caller's transaction. */
export async function insertUserWithPassword(db: Queryable, u: { id: string; accountId: string; email: string; name: string; passwordHash: string }): Promise<void> {
  await INSERT_USER.run(db, [u.id, u.email, u.name]);
  await INSERT_CREDENTIAL.run(db, [u.accountId, u.id, u.passwordHash]);
}

const MERGE_PREFERENCE = defineQuery(
  "users.merge_preference",
  `INSERT INTO user_preferences ("userId", key, value) VALUES ($1, $2, $3::jsonb)
   ON CONFLICT ("userId", key) DO UPDATE SET value = user_preferences.value || EXCLUDED.value, "updatedAt" = now()
   RETURNING value`,
  z.object({ value: z.unknown() }),
);
/**
 * Merges a change into a stored preference in one statement (two tabs changing different fields
 * at once both keep their change); returns the merged value.
 */
export const mergePreference = async (db: Queryable, userId: string, key: string, change: object) => (await MERGE_PREFERENCE.one(db, [userId, key, JSON.stringify(change)])).value;
