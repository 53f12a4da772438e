// When to try a failed delivery again, and when to give up: exponential backoff with "equal
// jitter" (half fixed, half random, so retries spread out yet still grow), capped per step, for
// at least `horizonMs` (24 h by default) after the notification was queued. The defaults live in
// the configuration schema (DEFAULT_BACKOFF in server/config.ts), their one definition.

export type BackoffPolicy = { baseMs: number; capMs: number; horizonMs: number };


/** Delay before attempt `failedAttempts + 1`; `random` in [0, 1). */
export function retryDelayMs(failedAttempts: number, policy: BackoffPolicy, random: number): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, Math.min(failedAttempts - 1, 40)));
  return Math.round(exp / 2 + (exp / 2) * random);
}

export type AttemptOutcome = { ok: boolean; gone: boolean };

export type NextStep = { kind: "delivered" } | { kind: "gone" } | { kind: "give_up" } | { kind: "retry"; at: Date };

/** What follows an attempt: done, stopped by a 410, given up after the horizon, or a retry. */
export function nextStep(outcome: AttemptOutcome, n: { attempts: number; createdAt: Date }, now: Date, policy: BackoffPolicy, random: number): NextStep {
  if (outcome.ok) return { kind: "delivered" };
  if (outcome.gone) return { kind: "gone" };
  if (now.getTime() - n.createdAt.getTime() >= policy.horizonMs) return { kind: "give_up" };
  return { kind: "retry", at: new Date(now.getTime() + retryDelayMs(n.attempts, policy, random)) };
}
