// The SDK's pure parts: retry timing from status and headers, and deterministic eventIds.
import { describe, expect, it } from "vitest";
import { canonicalJson, deriveEventId } from "../../sdk/src/event-id";
import { backoffMs, isRetryableStatus, rateLimitPauseMs, retryAfterMs } from "../../sdk/src/retry";

const headers = (h: Record<string, string>) => new Headers(h);

describe("retry timing", () => {
  it("retries overload and gateway answers only", () => {
    expect([429, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([200, 400, 401, 404, 409, 413].some(isRetryableStatus)).toBe(false);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(retryAfterMs("2")).toBe(2000);
    expect(retryAfterMs("0.5")).toBe(500);
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(retryAfterMs("Tue, 01 Dec 2026 10:00:03 GMT", now)).toBe(3000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs("soon")).toBeUndefined();
  });

  it("pauses until the rate-limit window resets when none is left", () => {
    expect(rateLimitPauseMs(headers({ "ratelimit-remaining": "0", "ratelimit-reset": "3" }))).toBe(3000);
    expect(rateLimitPauseMs(headers({ "ratelimit-remaining": "5", "ratelimit-reset": "3" }))).toBe(0);
    expect(rateLimitPauseMs(headers({ ratelimit: "limit=100, remaining=0, reset=2" }))).toBe(2000);
    expect(rateLimitPauseMs(headers({}))).toBe(0);
  });

  it("backs off with full jitter, capped, and never earlier than the server asked", () => {
    const opts = { baseMs: 100, maxMs: 1000 };
    expect(backoffMs(0, opts, 0, () => 1)).toBe(100);
    expect(backoffMs(3, opts, 0, () => 1)).toBe(800);
    expect(backoffMs(10, opts, 0, () => 1)).toBe(1000);
    expect(backoffMs(10, opts, 0, () => 0)).toBe(0);
    for (const r of [0, 0.5, 0.999]) expect(backoffMs(0, opts, 1000, () => r)).toBeGreaterThanOrEqual(1000);
  });
});

describe("deterministic eventIds", () => {
  it("are equal for equal content, whatever the key order", () => {
    const a = { executionId: "x", status: "RUNNING", metadata: { b: "2", a: "1" } };
    const b = { metadata: { a: "1", b: "2" }, status: "RUNNING", executionId: "x" };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(deriveEventId(a)).toBe(deriveEventId(b));
    expect(deriveEventId(a)).toMatch(/^sdk-[A-Za-z0-9_-]{40}$/);
  });

  it("differ when anything that matters differs, and ignore a given eventId", () => {
    const base = { executionId: "x", status: "RUNNING", attempt: 1 };
    expect(deriveEventId({ ...base, attempt: 2 })).not.toBe(deriveEventId(base));
    expect(deriveEventId({ ...base, status: "COMPLETED" })).not.toBe(deriveEventId(base));
    expect(deriveEventId({ ...base, eventId: "given" })).toBe(deriveEventId(base));
    expect(deriveEventId({ ...base, output: undefined })).toBe(deriveEventId(base));
  });
});
