// The delivery worker against real PostgreSQL and local receivers: retries with backoff until a
// 200 (every attempt logged), 410 stops, per-attempt timeout, SKIP LOCKED sharing between workers,
// Slack bodies, and email to a local SMTP server.
import type net from "node:net";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { alertMessage } from "../../server/delivery/payload";
import { createChannel, sendTestMessage } from "../../server/channels/service";
import { pool } from "../../server/db/client";
import { enqueueForChannels } from "../../server/delivery/outbox";
import type { DeliveryOptions } from "../../server/delivery/worker";
import { Monitor } from "../../server/monitor/monitor";
import { addWebhookChannel, attemptRows, createFastOrg, executionIn, startReceiver, testDeliveryWorker, waitFor, type Receiver } from "./monitor-helpers";

const SYSTEM = { type: "SYSTEM" as const, label: "test" };
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((f) => f()));
});

function worker(orgId: string, opts: Partial<DeliveryOptions> = {}) {
  const w = testDeliveryWorker([orgId], { pollMs: 30, smtpFrom: "Runwatch <rw@localhost>", ...opts });
  cleanups.push(() => w.stop());
  return w;
}

async function receiver(statuses?: number[]): Promise<Receiver> {
  const r = await startReceiver(statuses);
  cleanups.push(() => r.close());
  return r;
}

/** Queues one alert.firing for every channel of the org, as the monitor would. */
async function queueFiring(orgId: string, executionId = "exec-1") {
  const message = alertMessage("alert.firing", { id: "1", orgSlug: "t", executionId, workflow: "wf", status: "SCHEDULED", reason: "scheduled", since: new Date() }, "http://localhost:3000");
  const client = await pool().connect();
  try {
    return await enqueueForChannels(client, [{ orgId, alertIds: [], message }]);
  } finally {
    client.release();
  }
}

describe("retries", () => {
  it("a receiver answering 500 three times and then 200: delivered, four attempts logged with backoff between them", async () => {
    const org = await createFastOrg();
    const rx = await receiver([500, 500, 500, 200]);
    await addWebhookChannel(org.orgId, rx.url);
    await queueFiring(org.orgId);
    worker(org.orgId).start();

    await waitFor(async () => (await attemptRows(org.orgId)).some((a) => a.ok), { timeoutMs: 8_000, what: "delivery" });
    const attempts = await attemptRows(org.orgId);
    expect(attempts.map((a) => [a.attempt, a.statusCode, a.ok])).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 500, false],
      [4, 200, true],
    ]);
    expect(attempts.slice(0, 3).every((a) => a.error?.startsWith("HTTP 500"))).toBe(true);
    expect(attempts.every((a) => a.latencyMs >= 0)).toBe(true);
    expect(attempts[3]!.state).toBe("DELIVERED");
    expect(rx.requests).toHaveLength(4);
    // the same message id every time (receivers deduplicate on it), growing gaps (equal jitter: at least half of 100, 200, 400 ms)
    expect(new Set(rx.requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
    const gaps = rx.requests.slice(1).map((r, i) => r.at - rx.requests[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(95);
    expect(gaps[2]).toBeGreaterThanOrEqual(195);
  });

  it("a receiver answering 410 is not retried", async () => {
    const org = await createFastOrg();
    const rx = await receiver([410]);
    await addWebhookChannel(org.orgId, rx.url);
    await queueFiring(org.orgId);
    worker(org.orgId).start();

    await waitFor(async () => (await attemptRows(org.orgId)).length === 1, { what: "one attempt" });
    await new Promise((r) => setTimeout(r, 800));
    const attempts = await attemptRows(org.orgId);
    expect(attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 410, ok: false, state: "GONE" })]);
    expect(rx.requests).toHaveLength(1);
  });

  it("an attempt that takes longer than the timeout is cut off, logged, and retried", async () => {
    const org = await createFastOrg();
    const http = await import("node:http");
    let calls = 0;
    const slow = http.createServer((req, res) => {
      calls++;
      if (calls === 1) return; // never answers
      res.writeHead(200).end("ok");
    });
    await new Promise<void>((r) => slow.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => (slow.closeAllConnections(), slow.close(r))));
    await addWebhookChannel(org.orgId, `http://127.0.0.1:${(slow.address() as net.AddressInfo).port}/`);
    await queueFiring(org.orgId);
    worker(org.orgId, { timeoutMs: 300 }).start();

    await waitFor(async () => (await attemptRows(org.orgId)).some((a) => a.ok), { timeoutMs: 8_000, what: "delivery after a timeout" });
    const attempts = await attemptRows(org.orgId);
    expect(attempts[0]).toMatchObject({ attempt: 1, ok: false, statusCode: null, error: "timed out after 300 ms" });
    expect(attempts[0]!.latencyMs).toBeGreaterThanOrEqual(290);
    expect(attempts[1]).toMatchObject({ attempt: 2, ok: true, statusCode: 200 });
  });
});

describe("several workers", () => {
  it("share the outbox without sending any notification twice (FOR UPDATE SKIP LOCKED)", async () => {
    const org = await createFastOrg();
    const rx = await receiver();
    await addWebhookChannel(org.orgId, rx.url);
    await addWebhookChannel(org.orgId, rx.url);
    for (let i = 0; i < 15; i++) await queueFiring(org.orgId, `exec-${i}`);
    const workers = [worker(org.orgId, { concurrency: 3 }), worker(org.orgId, { concurrency: 3 }), worker(org.orgId, { concurrency: 3 })];
    await Promise.all(workers.map((w) => w.drain()));

    expect(rx.requests).toHaveLength(30);
    expect(new Set(rx.requests.map((r) => r.headers["webhook-id"])).size).toBe(30);
    const { rows } = await pool().query(`SELECT state, attempts FROM notifications WHERE "orgId" = $1`, [org.orgId]);
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r.state === "DELIVERED" && r.attempts === 1)).toBe(true);
  });
});

describe("organization scope (orgIds, RUNWATCH_DELIVERY_ORG_IDS)", () => {
  it("a worker for one organization sends its notifications and leaves another's queued", async () => {
    const [a, b] = [await createFastOrg(), await createFastOrg()];
    const [rxA, rxB] = [await receiver(), await receiver()];
    await addWebhookChannel(a.orgId, rxA.url);
    await addWebhookChannel(b.orgId, rxB.url);
    await queueFiring(a.orgId, "exec-a");
    await queueFiring(b.orgId, "exec-b");

    await worker(a.orgId).drain();
    expect(rxA.requests).toHaveLength(1);
    expect(rxB.requests).toHaveLength(0);
    const state = async (orgId: string) => (await pool().query(`SELECT state, attempts FROM notifications WHERE "orgId" = $1`, [orgId])).rows;
    expect(await state(b.orgId)).toEqual([{ state: "PENDING", attempts: 0 }]);

    await worker(b.orgId).drain();
    expect(rxB.requests).toHaveLength(1);
    expect(await state(b.orgId)).toEqual([{ state: "DELIVERED", attempts: 1 }]);
  });
});

describe("Slack", () => {
  it("posts an incoming-webhook body with text and blocks", async () => {
    const org = await createFastOrg();
    const rx = await receiver();
    await addWebhookChannel(org.orgId, rx.url, "SLACK");
    await queueFiring(org.orgId, "exec-slack");
    await worker(org.orgId).drain();
    expect(rx.requests).toHaveLength(1);
    expect(rx.requests[0]!.json).toMatchObject({ text: expect.stringContaining("exec-slack"), blocks: [expect.objectContaining({ type: "section" })] });
    expect(rx.requests[0]!.headers["webhook-signature"]).toBeUndefined();
  });
});

describe("email", () => {
  it("reaches a local SMTP server: an alert from the monitor, and the channel's test message", async () => {
    const mails: { to: string[]; data: string }[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      onData(stream, session, callback) {
        let data = "";
        stream.on("data", (c: Buffer) => (data += c.toString()));
        stream.on("end", () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
          callback();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => smtp.close(() => r(undefined))));
    const smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as net.AddressInfo).port}`;

    const org = await createFastOrg({ scheduled: 1, running: 3600 });
    await createChannel({ orgId: org.orgId, actor: SYSTEM }, { type: "EMAIL", to: ["oncall@example.com"] });
    const x = await executionIn(org.orgId, "wf.mail", "SCHEDULED", new Date(Date.now() - 5_000));
    const now = new Date();
    const monitor = new Monitor({ intervalMs: 500, failureRateEveryMs: 60_000, clock: () => now, orgIds: [org.orgId] });
    cleanups.push(() => monitor.stop());
    await monitor.tick();
    await worker(org.orgId, { smtpUrl }).drain();

    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toEqual(["oncall@example.com"]);
    expect(mails[0]!.data).toContain(x);
    expect(mails[0]!.data).toMatch(/Subject: Runwatch alert: wf\.mail/);
    const attempts = await attemptRows(org.orgId);
    expect(attempts).toEqual([expect.objectContaining({ ok: true, statusCode: 250, state: "DELIVERED" })]);

    // the "send test" button, configured through SMTP_URL
    const previous = process.env.SMTP_URL;
    process.env.SMTP_URL = smtpUrl;
    try {
      const { rows } = await pool().query(`SELECT id FROM alert_channels WHERE "orgId" = $1`, [org.orgId]);
      const result = await sendTestMessage({ orgId: org.orgId, actor: SYSTEM }, { channelId: rows[0].id });
      expect(result).toMatchObject({ ok: true, statusCode: 250 });
      expect(mails).toHaveLength(2);
      expect(mails[1]!.data).toContain("test message from Runwatch");
    } finally {
      if (previous === undefined) delete process.env.SMTP_URL;
      else process.env.SMTP_URL = previous;
    }
  });
});
