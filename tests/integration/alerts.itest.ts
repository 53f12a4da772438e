// Alert, channel and settings services for the alert center: lists by state with keyset pages,
// badge counts, acknowledge and resolve with actor and audit, channel secrets shown once, send
// test, and isolation: every service taking an orgId refuses another organization's rows.
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { AlertingError } from "../../server/alerts/errors";
import { acknowledgeAlert, alertCounts, alertsForExecution, getAlert, listAlerts, resolveAlert } from "../../server/alerts/service";
import { getOrgAlertSettings, getWorkflowAlertSettings, updateOrgAlertSettings, updateWorkflowAlertSettings } from "../../server/alerts/settings";
import { createChannel, deleteChannel, getChannel, listChannels, rotateChannelSecret, sendTestMessage, updateChannel } from "../../server/channels/service";
import { pool } from "../../server/db/client";
import { Monitor } from "../../server/monitor/monitor";
import { alertRows, createFastOrg, executionIn, fakeClock, startReceiver, testDeliveryWorker, type Receiver } from "./monitor-helpers";

const alice = { type: "USER" as const, userId: "user-alice", label: "alice@example.com" };
const SYSTEM = { type: "SYSTEM" as const, label: "test" };

// each test's organization has its own monitor, which sweeps only that organization, at a time
// that stands still
const monitors = new Map<string, Monitor>();
const monitorOf = (orgId: string) => {
  if (!monitors.has(orgId)) monitors.set(orgId, new Monitor({ intervalMs: 500, failureRateEveryMs: 60_000, clock: fakeClock(new Date()).now, orgIds: [orgId] }));
  return monitors.get(orgId)!;
};
const receivers: Receiver[] = [];
afterEach(async () => {
  // a monitor holds the leader lease until it stops: the next test's monitor must be able to lead
  await Promise.all([...monitors.values()].map((m) => m.stop()));
  monitors.clear();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
const delivery = (orgId: string) => testDeliveryWorker([orgId]);

async function receiver(statuses?: number[]) {
  const r = await startReceiver(statuses);
  receivers.push(r);
  return r;
}

/** An organization with `n` stuck executions, each with a FIRING alert. */
async function orgWithAlerts(n: number) {
  const org = await createFastOrg({ scheduled: 1, running: 3600 });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await executionIn(org.orgId, "wf.alerts", "SCHEDULED", new Date(Date.now() - 5_000 + i)));
  await monitorOf(org.orgId).tick();
  const alerts = await alertRows(org.orgId);
  expect(alerts).toHaveLength(n);
  return { ...org, executionIds: ids, alerts };
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: unknown) => (e instanceof AlertingError ? e.code : `unexpected: ${(e as Error).message}`),
  );

describe("alert lifecycle", () => {
  it("FIRING → ACKNOWLEDGED (by a user, with a note) → RESOLVED by hand, audited, announced, and not reopened for the same episode", async () => {
    const org = await orgWithAlerts(1);
    const rx = await receiver();
    await createChannel({ orgId: org.orgId, actor: SYSTEM }, { type: "WEBHOOK", url: rx.url });
    const id = org.alerts[0]!.id;

    const acked = await acknowledgeAlert({ orgId: org.orgId, actor: alice }, { alertId: id, note: "looking at the worker pool" });
    expect(acked).toMatchObject({ state: "ACKNOWLEDGED", acknowledgedBy: "alice@example.com", acknowledgedAt: expect.any(Date) });
    expect(await code(acknowledgeAlert({ orgId: org.orgId, actor: alice }, { alertId: id }))).toBe("CONFLICT");

    const resolved = await resolveAlert({ orgId: org.orgId, actor: alice }, { alertId: id, note: "restarted the pool" });
    expect(resolved).toMatchObject({ state: "RESOLVED", resolution: "manual", resolvedBy: "alice@example.com" });
    expect(await code(resolveAlert({ orgId: org.orgId, actor: alice }, { alertId: id }))).toBe("CONFLICT");

    const detail = await getAlert({ orgId: org.orgId }, { alertId: id });
    expect(detail.events.map((e) => [e.kind, e.actor, e.note])).toEqual([
      ["fired", "monitor", null],
      ["acknowledged", "alice@example.com", "looking at the worker pool"],
      ["resolved", "alice@example.com", "restarted the pool"],
    ]);
    const { rows: audit } = await pool().query(`SELECT action, "actorUserId", success FROM audit_logs WHERE "orgId" = $1 AND "resourceType" = 'alert' ORDER BY id`, [org.orgId]);
    expect(audit).toEqual([
      { action: "alert.acknowledge", actorUserId: "user-alice", success: true },
      { action: "alert.resolve", actorUserId: "user-alice", success: true },
    ]);

    // the resolve was queued in the same transaction; delivery shows up on the alert
    await delivery(org.orgId).drain();
    expect(rx.ofType("alert.resolved")).toHaveLength(1);
    expect(rx.ofType("alert.resolved")[0]!.json.alert).toMatchObject({ id, resolution: "manual", status: "SCHEDULED" });
    expect((await getAlert({ orgId: org.orgId }, { alertId: id })).deliveries).toEqual([expect.objectContaining({ type: "alert.resolved", attempt: 1, statusCode: 200, ok: true, latencyMs: expect.any(Number) })]);

    // still stuck since the same moment: the monitor does not reopen it
    await monitorOf(org.orgId).tick();
    expect(await alertRows(org.orgId)).toHaveLength(1);
  });

  it("lists by state with keyset pages, counts open alerts for the badge, and lists an execution's alerts", async () => {
    const org = await orgWithAlerts(5);
    await acknowledgeAlert({ orgId: org.orgId, actor: alice }, { alertId: org.alerts[0]!.id });
    expect(await alertCounts({ orgId: org.orgId })).toEqual({ firing: 4, acknowledged: 1, open: 5, capped: false });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof listAlerts>> = await listAlerts({ orgId: org.orgId }, { state: "FIRING", limit: 3, cursor });
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual(org.alerts.slice(1).map((a) => a.id).reverse());
    expect((await listAlerts({ orgId: org.orgId }, { state: "ACKNOWLEDGED" })).items.map((a) => a.id)).toEqual([org.alerts[0]!.id]);
    expect((await listAlerts({ orgId: org.orgId }, { state: "RESOLVED" })).items).toEqual([]);

    const forExecution = await alertsForExecution({ orgId: org.orgId }, { executionId: org.executionIds[2]! });
    expect(forExecution).toEqual([expect.objectContaining({ executionId: org.executionIds[2], workflow: "wf.alerts", reason: "scheduled", executionStatus: "SCHEDULED" })]);
  });
});

describe("channels", () => {
  it("shows the secret once, never in reads; send test signs with it; rotation replaces it", async () => {
    const org = await createFastOrg();
    const rx = await receiver();
    const created = await createChannel({ orgId: org.orgId, actor: alice }, { type: "WEBHOOK", url: rx.url, name: "ops" });
    expect(created.secret).toMatch(/^whsec_/);
    const reads = [await listChannels({ orgId: org.orgId }), await getChannel({ orgId: org.orgId }, { channelId: created.channel.id })];
    expect(JSON.stringify(reads)).not.toContain(created.secret.slice(6));

    const test = await sendTestMessage({ orgId: org.orgId, actor: alice }, { channelId: created.channel.id });
    expect(test).toMatchObject({ ok: true, statusCode: 200 });
    expect(new Webhook(created.secret).verify(rx.requests[0]!.body, rx.requests[0]!.headers)).toMatchObject({ type: "test" });

    const rotated = await rotateChannelSecret({ orgId: org.orgId, actor: alice }, { channelId: created.channel.id });
    expect(rotated.secret).not.toBe(created.secret);
    await sendTestMessage({ orgId: org.orgId, actor: alice }, { channelId: created.channel.id });
    expect(() => new Webhook(created.secret).verify(rx.requests[1]!.body, rx.requests[1]!.headers)).toThrow();
    expect(new Webhook(rotated.secret).verify(rx.requests[1]!.body, rx.requests[1]!.headers)).toMatchObject({ type: "test" });

    const updated = await updateChannel({ orgId: org.orgId, actor: alice }, { channelId: created.channel.id, name: "ops-2", enabled: false });
    expect(updated).toMatchObject({ name: "ops-2", enabled: false });
    expect(await code(updateChannel({ orgId: org.orgId, actor: alice }, { channelId: created.channel.id, to: ["a@example.com"] }))).toBe("BAD_REQUEST");

    const slack = await createChannel({ orgId: org.orgId, actor: alice }, { type: "SLACK", url: "https://hooks.slack.com/services/T1/B2/abcdefSECRETwxyz" });
    expect(slack.channel.target).toBe("https://hooks.slack.com/…wxyz");

    await deleteChannel({ orgId: org.orgId, actor: alice }, { channelId: created.channel.id });
    expect((await listChannels({ orgId: org.orgId })).map((c) => c.id)).toEqual([slack.channel.id]);
    const { rows } = await pool().query(`SELECT action FROM audit_logs WHERE "orgId" = $1 AND "resourceType" = 'alert_channel' ORDER BY id`, [org.orgId]);
    expect(rows.map((r) => r.action)).toEqual(["channel.create", "channel.test", "channel.rotate_secret", "channel.test", "channel.update", "channel.create", "channel.delete"]);
  });

  it("a test to a receiver answering 410 reports it", async () => {
    const org = await createFastOrg();
    const rx = await receiver([410]);
    const created = await createChannel({ orgId: org.orgId, actor: alice }, { type: "WEBHOOK", url: rx.url });
    expect(await sendTestMessage({ orgId: org.orgId, actor: alice }, { channelId: created.channel.id })).toMatchObject({ ok: false, gone: true, statusCode: 410 });
  });
});

describe("settings", () => {
  it("validates, falls back to the organization, and audits", async () => {
    const org = await createFastOrg();
    await executionIn(org.orgId, "wf.settings", "PENDING");
    expect((await getWorkflowAlertSettings({ orgId: org.orgId }, { workflow: "wf.settings" })).autoTimeoutMultiple).toBeNull();
    await expect(updateWorkflowAlertSettings({ orgId: org.orgId, actor: alice }, { workflow: "wf.settings", autoTimeoutMultiple: 0.5 })).rejects.toThrow(/at least 1/);
    await updateOrgAlertSettings({ orgId: org.orgId, actor: alice }, { failureRate: { percent: 50 }, stormThreshold: 4 });
    const wf = await updateWorkflowAlertSettings({ orgId: org.orgId, actor: alice }, { workflow: "wf.settings", autoTimeoutMultiple: 3, failureRate: { minExecutions: 7 } });
    expect(wf).toMatchObject({ autoTimeoutMultiple: 3, failureRate: { enabled: true, percent: 50, minExecutions: 7, windowSeconds: 900 } });
    expect(await getOrgAlertSettings({ orgId: org.orgId })).toMatchObject({ stormThreshold: 4, stormWindowSeconds: 300 });
    const { rows } = await pool().query(`SELECT action, "actorUserId" FROM audit_logs WHERE "orgId" = $1 AND action LIKE '%alert_settings%' ORDER BY id`, [org.orgId]);
    expect(rows).toEqual([
      { action: "alert_settings.update", actorUserId: "user-alice" },
      { action: "workflow.alert_settings.update", actorUserId: "user-alice" },
    ]);
  });
});

describe("another organization", () => {
  it("cannot see or touch this organization's alerts, channels or settings", async () => {
    const a = await orgWithAlerts(1);
    const b = await createFastOrg();
    const alertId = a.alerts[0]!.id;
    const rx = await receiver();
    const channel = await createChannel({ orgId: a.orgId, actor: alice }, { type: "WEBHOOK", url: rx.url });

    expect(await code(getAlert({ orgId: b.orgId }, { alertId }))).toBe("NOT_FOUND");
    expect(await code(acknowledgeAlert({ orgId: b.orgId, actor: alice }, { alertId }))).toBe("NOT_FOUND");
    expect(await code(resolveAlert({ orgId: b.orgId, actor: alice }, { alertId }))).toBe("NOT_FOUND");
    expect((await listAlerts({ orgId: b.orgId }, { state: "FIRING" })).items).toEqual([]);
    expect(await alertCounts({ orgId: b.orgId })).toMatchObject({ open: 0 });
    expect(await alertsForExecution({ orgId: b.orgId }, { executionId: a.executionIds[0]! })).toEqual([]);

    expect(await listChannels({ orgId: b.orgId })).toEqual([]);
    expect(await code(getChannel({ orgId: b.orgId }, { channelId: channel.channel.id }))).toBe("NOT_FOUND");
    expect(await code(updateChannel({ orgId: b.orgId, actor: alice }, { channelId: channel.channel.id, name: "x" }))).toBe("NOT_FOUND");
    expect(await code(rotateChannelSecret({ orgId: b.orgId, actor: alice }, { channelId: channel.channel.id }))).toBe("NOT_FOUND");
    expect(await code(sendTestMessage({ orgId: b.orgId, actor: alice }, { channelId: channel.channel.id }))).toBe("NOT_FOUND");
    expect(await code(deleteChannel({ orgId: b.orgId, actor: alice }, { channelId: channel.channel.id }))).toBe("NOT_FOUND");
    expect(await code(getWorkflowAlertSettings({ orgId: b.orgId }, { workflow: "wf.alerts" }))).toBe("NOT_FOUND");
    expect(await code(updateWorkflowAlertSettings({ orgId: b.orgId, actor: alice }, { workflow: "wf.alerts", autoTimeoutMultiple: 2 }))).toBe("NOT_FOUND");

    // nothing changed on A's side, and B's channels never hear about A's alerts
    expect((await getAlert({ orgId: a.orgId }, { alertId })).state).toBe("FIRING");
    expect(await listChannels({ orgId: a.orgId })).toHaveLength(1);
    expect(rx.requests).toHaveLength(0);
  });
});
