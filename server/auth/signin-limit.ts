// Sign-in attempts per account (RUNWATCH_SIGNIN_ATTEMPTS_PER_ACCOUNT in a 15-minute window), on
// top of better-auth's limit per address: an attacker who rotates addresses still gets a 429
// after a few guesses at one account. Counted in the database (better-auth's rate_limits table,
// under keys of our own) so every app process shares the count; a successful sign-in clears it.
import { randomUUID } from "node:crypto";
import { config } from "../config";
import { pool } from "../db/client";

export const ACCOUNT_WINDOW_MS = 15 * 60 * 1000;

export type SignInVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const keyOf = (email: string) => `runwatch:signin-account:${email.trim().toLowerCase()}`;

/** Counts one attempt at this account, atomically, and says whether it may go ahead. */
export async function takeSignInAttempt(email: string, now = Date.now()): Promise<SignInVerdict> {
  const { rows } = await pool().query<{ count: number; started: string }>(
    `INSERT INTO rate_limits (id, key, count, "lastRequest") VALUES ($1, $2, 1, $3)
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN rate_limits."lastRequest" <= $3 - $4 THEN 1 ELSE rate_limits.count + 1 END,
       "lastRequest" = CASE WHEN rate_limits."lastRequest" <= $3 - $4 THEN $3 ELSE rate_limits."lastRequest" END
     RETURNING count, "lastRequest"::text AS started`,
    [randomUUID(), keyOf(email), now, ACCOUNT_WINDOW_MS],
  );
  const { count, started } = rows[0]!;
  if (count <= config().RUNWATCH_SIGNIN_ATTEMPTS_PER_ACCOUNT) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((Number(started) + ACCOUNT_WINDOW_MS - now) / 1000)) };
}

/** A successful sign-in: the account's count starts over. */
export async function clearSignInAttempts(email: string): Promise<void> {
  await pool().query(`DELETE FROM rate_limits WHERE key = $1`, [keyOf(email)]);
}
