// The token bucket of /api/v1 (server/http/rate-limit.ts) on an injected clock: the burst, the
// refill rate, the figures the RateLimit headers carry, and one bucket per key.
import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../server/http/rate-limit";

describe("RateLimiter", () => {
  it("allows the burst, refuses the next with a retry time, and refills at the rate", () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(2, 4, () => now);
    const verdicts = Array.from({ length: 5 }, () => limiter.take("k"));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, true, false]);
    expect(verdicts.map((v) => v.remaining)).toEqual([3, 2, 1, 0, 0]);
    expect(verdicts[4]).toMatchObject({ allowed: false, retryAfterSeconds: 1, limit: 4, resetSeconds: 2 });
    now += 500; // 2 a second: one token back
    expect(limiter.take("k")).toMatchObject({ allowed: true, remaining: 0 });
    expect(limiter.take("k").allowed).toBe(false);
    now += 60_000; // never more than the burst
    expect(limiter.take("k")).toMatchObject({ allowed: true, remaining: 3 });
  });

  it("keeps one bucket per key", () => {
    const now = 0;
    const limiter = new RateLimiter(1, 1, () => now);
    expect(limiter.take("a").allowed).toBe(true);
    expect(limiter.take("a").allowed).toBe(false);
    expect(limiter.take("b").allowed).toBe(true);
  });
});
