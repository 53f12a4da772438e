// Sign-in attempts per account (RUNWATCH_SIGNIN_ATTEMPTS_PER_ACCOUNT in a 15-minute window), on
// top of better-auth's limit per address: an attacker who rotates addresses still gets a 429
// after a few guesses at one account. Counted in the database (better-auth's rate_limits table,
// under keys of our own) so every app process shares the count; a successful sign-in clears it.
import { randomUUID } from "node:crypto";
import { config } from "../config";
import { pool } from "../db/client";
import { clearAttempts, takeAttempt } from "./queries";

export const ACCOUNT_WINDOW_MS = 15 * 60 * 1000;

export type SignInVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const keyOf = (email: string) => `runwatch:signin-account:${email.trim().toLowerCase()}`;

/** Counts one attempt at this account, atomically, and says whether it may go ahead. */
export async function takeSignInAttempt(email: string, now = Date.now()): Promise<SignInVerdict> {
  const { count, started } = await takeAttempt(pool(), { id: randomUUID(), key: keyOf(email), nowMs: now, windowMs: ACCOUNT_WINDOW_MS });
  if (count <= config().RUNWATCH_SIGNIN_ATTEMPTS_PER_ACCOUNT) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((started + ACCOUNT_WINDOW_MS - now) / 1000)) };
}

/** A successful sign-in: the account's count starts over. */
export async function clearSignInAttempts(email: string): Promise<void> {
  await clearAttempts(pool(), keyOf(email));
}
