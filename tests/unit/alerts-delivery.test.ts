// Delivery rules and message shapes: backoff with jitter over at least 24 hours, 410 stops,
// Standard Webhooks signatures that the standardwebhooks package verifies, Slack bodies.
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { alertMessage, detailText, stormMessage, summaryLine } from "../../server/delivery/payload";
import { signedHeaders, slackBody } from "../../server/delivery/senders";
import { newChannelSecret, maskSlackUrl } from "../../server/channels/service";
import { DEFAULT_BACKOFF } from "../../server/config";
import { nextStep, retryDelayMs } from "../../server/delivery/backoff";

const t0 = new Date("2026-01-01T00:00:00Z");

describe("backoff", () => {
  it("grows exponentially with jitter between half and all of the step, capped", () => {
    const p = { baseMs: 1000, capMs: 8000, horizonMs: 1e9 };
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, p, 0))).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, p, 0.999999))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it("keeps retrying for at least 24 hours before giving up, whatever the jitter", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 200, maxLength: 200 }), (randoms) => {
        let now = t0;
        let attempts = 1;
        for (;;) {
          const step = nextStep({ ok: false, gone: false }, { attempts, createdAt: t0 }, now, DEFAULT_BACKOFF, randoms[attempts % randoms.length]!);
          if (step.kind === "give_up") break;
          expect(step.kind).toBe("retry");
          if (step.kind !== "retry") return;
          now = step.at;
          attempts++;
          expect(attempts).toBeLessThan(200);
        }
        expect(now.getTime() - t0.getTime()).toBeGreaterThanOrEqual(24 * 3600 * 1000);
        // and not absurdly long: at most one capped step past the horizon
        expect(now.getTime() - t0.getTime()).toBeLessThanOrEqual(24 * 3600 * 1000 + DEFAULT_BACKOFF.capMs);
      }),
      { numRuns: 50 },
    );
  });

  it("stops at once on success and on 410", () => {
    expect(nextStep({ ok: true, gone: false }, { attempts: 1, createdAt: t0 }, t0, DEFAULT_BACKOFF, 0.5)).toEqual({ kind: "delivered" });
    expect(nextStep({ ok: false, gone: true }, { attempts: 1, createdAt: t0 }, t0, DEFAULT_BACKOFF, 0.5)).toEqual({ kind: "gone" });
  });
});

describe("messages", () => {
  const facts = { id: "42", orgSlug: "acme", executionId: "exec-1", workflow: "billing.sync", status: "SCHEDULED", reason: "scheduled" as const, since: t0 };

  it("alert.firing has exactly the fields of CONTRACT.md §5", () => {
    expect(alertMessage("alert.firing", facts, "https://rw.example")).toEqual({
      type: "alert.firing",
      alert: { id: "42", executionId: "exec-1", workflow: "billing.sync", status: "SCHEDULED", reason: "scheduled", since: "2026-01-01T00:00:00.000Z", url: "https://rw.example/o/acme/alerts?alert=42" },
    });
  });

  it("alert.resolved adds when and why", () => {
    const m = alertMessage("alert.resolved", { ...facts, status: "RUNNING", resolvedAt: new Date(t0.getTime() + 5000), resolution: "moved_on" }, "https://rw.example");
    expect(m.alert).toMatchObject({ status: "RUNNING", resolvedAt: "2026-01-01T00:00:05.000Z", resolution: "moved_on" });
    expect(summaryLine(m)).toContain("resolved");
  });

  it("a storm names the count and the first ones", () => {
    const first = Array.from({ length: 15 }, (_, i) => ({ ...facts, id: String(i), executionId: `exec-${i}` }));
    const m = stormMessage("alert.storm", { id: "7", orgSlug: "acme", workflow: "billing.sync", count: 15, windowSeconds: 300, first }, "https://rw.example");
    expect(m.storm.count).toBe(15);
    expect(m.storm.alerts.map((a) => a.executionId)).toEqual(first.slice(0, 10).map((a) => a.executionId));
    expect(detailText(m)).toContain("… and 5 more");
  });

  it("Slack gets a text and a section", () => {
    const body = slackBody(alertMessage("alert.firing", facts, "https://rw.example"));
    expect(body.text).toContain("exec-1");
    expect(JSON.stringify(body.blocks)).toContain("https://rw.example/o/acme/alerts?alert=42");
  });
});

describe("signatures", () => {
  it("verify with the standardwebhooks package, and fail with another secret or a changed body", () => {
    const secret = newChannelSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    const body = JSON.stringify({ type: "alert.firing", alert: { id: "1" } });
    const headers = signedHeaders(secret, "msg_abc", body, new Date());
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newChannelSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body.replace('"1"', '"2"'), headers)).toThrow();
  });

  it("masks the secret part of a Slack URL", () => {
    expect(maskSlackUrl("https://hooks.slack.com/services/T000/B000/XXXXsecretABCD")).toBe("https://hooks.slack.com/…ABCD");
  });
});

describe("missed-run messages", () => {
  it("name no execution and no status, and carry the missed slot and the count (CONTRACT.md §5)", () => {
    const m = alertMessage(
      "alert.firing",
      { id: "9", orgSlug: "acme", executionId: null, workflow: "billing.nightly", status: null, reason: "missed", since: new Date("2026-01-01T02:40:00Z"), missed: { slot: new Date("2026-01-01T02:30:00Z"), count: 3 } },
      "https://rw.example",
    );
    expect(m).toEqual({
      type: "alert.firing",
      alert: { id: "9", executionId: null, workflow: "billing.nightly", status: null, reason: "missed", since: "2026-01-01T02:40:00.000Z", slot: "2026-01-01T02:30:00.000Z", count: 3, url: "https://rw.example/o/acme/alerts?alert=9" },
    });
    expect(summaryLine(m)).toBe("Runwatch alert: billing.nightly: expected execution missed (slot 2026-01-01T02:30:00.000Z, 3 in a row) since 2026-01-01T02:40:00.000Z");
  });
});
