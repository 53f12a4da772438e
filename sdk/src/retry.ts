// When to retry a request to Runwatch, and how long to wait first. Pure functions of the
// response's status and headers, so they are tested without a network.

/** Status codes worth another try: overload, maintenance and the proxies in front of Runwatch. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The pause the rate-limit headers ask for before the next request: when the window has no
 * requests left (`RateLimit-Remaining: 0`), wait until it resets (`RateLimit-Reset`, seconds).
 * Also reads the combined IETF form `RateLimit: limit=…, remaining=…, reset=…`.
 */
export function rateLimitPauseMs(headers: { get(name: string): string | null }): number {
  let remaining = headers.get("ratelimit-remaining");
  let reset = headers.get("ratelimit-reset");
  const combined = headers.get("ratelimit");
  if (combined && (remaining === null || reset === null)) {
    remaining ??= /remaining=(\d+)/i.exec(combined)?.[1] ?? null;
    reset ??= /reset=(\d+)/i.exec(combined)?.[1] ?? null;
  }
  if (remaining === null || reset === null || Number(remaining) > 0) return 0;
  const seconds = Number(reset);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : 0;
}

export type BackoffOptions = { baseMs: number; maxMs: number };

/**
 * Full-jitter exponential backoff (a random wait up to base·2^n, capped), so many senders that
 * failed together do not come back together. A server's own wait (Retry-After) is a floor.
 */
export function backoffMs(retry: number, opts: BackoffOptions, serverWaitMs = 0, random = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(retry, 30));
  const jittered = Math.round(random() * ceiling);
  // past the server's wait, add a little jitter too, so a crowd told "1 s" spreads out
  return serverWaitMs > 0 ? serverWaitMs + Math.round(random() * Math.min(ceiling, serverWaitMs * 0.1)) : jittered;
}
