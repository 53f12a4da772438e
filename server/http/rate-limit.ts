// A token bucket per API key, in this process's memory. Several app processes each keep their
// own buckets, so the effective limit scales with the process count (see README, Scaling).

export type Bucket = { tokens: number; updatedAt: number };
/** limit: the bucket's size; remaining: whole requests left now; resetSeconds: until it is full again */
export type RateLimitState = { limit: number; remaining: number; resetSeconds: number };
export type RateLimitVerdict = ({ allowed: true } | { allowed: false; retryAfterSeconds: number }) & RateLimitState;

export class RateLimiter {
  private buckets = new Map<string, Bucket>();

  constructor(
    private perSecond: number,
    private burst: number,
    // looked up on every call (not bound once), so a test that fakes Date controls the refill
    private now: () => number = () => Date.now(),
  ) {}

  take(key: string, cost = 1): RateLimitVerdict {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, updatedAt: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.updatedAt) / 1000) * this.perSecond);
    b.updatedAt = now;
    this.buckets.set(key, b);
    if (b.tokens >= cost) {
      b.tokens -= cost;
      return { allowed: true, ...this.state(b) };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((cost - b.tokens) / this.perSecond)), ...this.state(b) };
  }

  private state(b: Bucket): RateLimitState {
    return { limit: Math.floor(this.burst), remaining: Math.max(0, Math.floor(b.tokens)), resetSeconds: Math.ceil((this.burst - b.tokens) / this.perSecond) };
  }
}
