// The monitor in this process against real PostgreSQL, on a fake clock and each test in its own
// organization (the monitor sweeps only that one): signed alerts to a local receiver, resolution
// when the execution moves on, heartbeats, the sweep's SQL against the list's rule, the optional
// auto-timeout, storm control and the failure-rate rule. Time passes by moving the clock, never by
// sleeping.
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { updateOrgAlertSettings, updateWorkflowAlertSettings } from "../../server/alerts/settings";
import { pool } from "../../server/db/client";
import { listExecutions } from "../../server/executions/read";
import { Monitor } from "../../server/monitor/monitor";
import { stuckSet } from "../../server/monitor/queries";
import { addWebhookChannel, alertRows, createFastOrg, executionIn, fakeClock, sendEvents, startReceiver, testDeliveryWorker, uid, type FakeClock, type Receiver } from "./monitor-helpers";

const INTERVAL = 500;
const SYSTEM = { type: "SYSTEM" as const, label: "test" };

const running: { stop(): Promise<void> }[] = [];
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** A monitor of one organization on `clock`, driven by tick() (never started: no timers). */
function monitorOf(orgId: string, clock: FakeClock, opts: { failureRateEveryMs?: number } = {}) {
  const monitor = new Monitor({ intervalMs: INTERVAL, failureRateEveryMs: opts.failureRateEveryMs ?? 60_000, clock: clock.now, orgIds: [orgId] });
  running.push(monitor);
  return monitor;
}

function startDelivery(orgId: string) {
  const worker = testDeliveryWorker([orgId]);
  running.push(worker);
  return worker;
}

async function receiver(statuses?: number[]) {
  const r = await startReceiver(statuses);
  receivers.push(r);
  return r;
}

describe("stuck SCHEDULED → alert.firing → RUNNING → alert.resolved", () => {
  it("fires one signed alert.firing at the first sweep past the threshold, then one alert.resolved", async () => {
    const org = await createFastOrg({ scheduled: 2, running: 3600 });
    const rx = await receiver();
    const ch = await addWebhookChannel(org.orgId, rx.url);
    const clock = fakeClock();
    const t0 = clock.now();
    const x = await executionIn(org.orgId, "wf.sched", "SCHEDULED", t0);
    const monitor = monitorOf(org.orgId, clock);
    const delivery = startDelivery(org.orgId);

    // just before the threshold: nothing
    clock.set(new Date(t0.getTime() + 1_999));
    expect((await monitor.tick())!.opened).toEqual([]);
    // the first sweep after it opens the alert
    clock.set(new Date(t0.getTime() + 2_001));
    expect((await monitor.tick())!.opened).toEqual([expect.objectContaining({ executionId: x, reason: "scheduled" })]);
    await delivery.drain();
    const firing = rx.ofType("alert.firing");
    expect(firing).toHaveLength(1);
    expect(new Webhook(ch.secret).verify(firing[0]!.body, firing[0]!.headers)).toEqual(firing[0]!.json);
    expect(firing[0]!.headers["webhook-id"]).toMatch(/^msg_/);
    expect(firing[0]!.json).toEqual({
      type: "alert.firing",
      alert: { id: expect.stringMatching(/^\d+$/), executionId: x, workflow: "wf.sched", status: "SCHEDULED", reason: "scheduled", since: t0.toISOString(), url: expect.stringContaining(`/o/${org.slug}/alerts?alert=`) },
    });

    // ingestion moves it on; the next sweep resolves the alert without rescanning
    await sendEvents(org.orgId, [{ eventId: uid("ev"), executionId: x, status: "RUNNING", occurredAt: clock.advance(100).toISOString() }]);
    expect((await monitor.tick())!.resolved).toBe(1);
    await delivery.drain();
    const resolved = rx.ofType("alert.resolved");
    expect(resolved).toHaveLength(1);
    expect(new Webhook(ch.secret).verify(resolved[0]!.body, resolved[0]!.headers)).toEqual(resolved[0]!.json);
    expect(resolved[0]!.json.alert).toMatchObject({ id: firing[0]!.json.alert.id, executionId: x, status: "RUNNING", reason: "scheduled", resolution: "moved_on" });

    // and nothing more: still exactly one of each after a few more sweeps
    for (let i = 0; i < 3; i++) {
      clock.advance(INTERVAL);
      await monitor.tick();
    }
    await delivery.drain();
    expect(rx.ofType("alert.firing")).toHaveLength(1);
    expect(rx.ofType("alert.resolved")).toHaveLength(1);
    expect(await alertRows(org.orgId)).toEqual([expect.objectContaining({ executionId: x, reason: "scheduled", state: "RESOLVED", resolution: "moved_on" })]);
  });
});

describe("RUNNING executions", () => {
  it("one that keeps heartbeating is never stuck; one that never heartbeats is stuck once startedAt is past the threshold", async () => {
    const org = await createFastOrg({ scheduled: 3600, running: 2 });
    const clock = fakeClock();
    const t0 = clock.now();
    const alive = await executionIn(org.orgId, "wf.run", "RUNNING", t0);
    const silent = await executionIn(org.orgId, "wf.run", "RUNNING", t0);
    const monitor = monitorOf(org.orgId, clock);

    let firstSilentAlert: number | null = null;
    while (clock.now().getTime() < t0.getTime() + 4_500) {
      await sendEvents(org.orgId, [{ eventId: uid("hb"), executionId: alive, type: "heartbeat", occurredAt: clock.advance(250).toISOString() }]);
      await monitor.tick();
      const rows = await alertRows(org.orgId);
      expect(rows.filter((r) => r.executionId === alive)).toEqual([]);
      if (firstSilentAlert === null && rows.some((r) => r.executionId === silent)) firstSilentAlert = clock.now().getTime();
    }
    // at the first sweep past the threshold (sweeps every 250 ms here)
    expect(firstSilentAlert).toBe(t0.getTime() + 2_250);
    const rows = await alertRows(org.orgId);
    expect(rows).toEqual([expect.objectContaining({ executionId: silent, reason: "running", state: "FIRING" })]);
    expect(rows[0]!.since.toISOString()).toBe(t0.toISOString());
  });
});

describe("the sweep's SQL", () => {
  it("finds exactly what the execution list calls stuck", async () => {
    const org = await createFastOrg({ scheduled: 5, running: 5 });
    const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString();
    const ids = { schedOld: uid("x"), schedNew: uid("x"), runOld: uid("x"), runHeartbeat: uid("x"), waiting: uid("x"), done: uid("x"), pending: uid("x"), runOverride: uid("x") };
    await sendEvents(org.orgId, [
      { eventId: uid("e"), executionId: ids.schedOld, workflow: "wf.a", status: "SCHEDULED", occurredAt: ago(60) },
      { eventId: uid("e"), executionId: ids.schedNew, workflow: "wf.a", status: "SCHEDULED", occurredAt: ago(1) },
      { eventId: uid("e"), executionId: ids.runOld, workflow: "wf.a", status: "RUNNING", occurredAt: ago(60) },
      { eventId: uid("e"), executionId: ids.runHeartbeat, workflow: "wf.a", status: "RUNNING", occurredAt: ago(60) },
      { eventId: uid("e"), executionId: ids.runHeartbeat, type: "heartbeat", occurredAt: ago(1) },
      { eventId: uid("e"), executionId: ids.waiting, workflow: "wf.a", status: "WAITING", occurredAt: ago(3600) },
      { eventId: uid("e"), executionId: ids.done, workflow: "wf.a", status: "COMPLETED", occurredAt: ago(3600) },
      { eventId: uid("e"), executionId: ids.pending, workflow: "wf.a", status: "PENDING", occurredAt: ago(3600) },
      { eventId: uid("e"), executionId: ids.runOverride, workflow: "wf.b", status: "RUNNING", occurredAt: ago(60) },
    ]);
    // a per-workflow override beats the organization's default
    await pool().query(`UPDATE workflows SET "stuckRunningAfterSeconds" = 3600 WHERE "orgId" = $1 AND key = 'wf.b'`, [org.orgId]);

    const { rows: clock } = await pool().query<{ now: Date }>(`SELECT now() AS now`);
    const rows = await stuckSet(pool(), clock[0]!.now, [org.orgId]);
    const fromSweep = rows.filter((r) => r.orgId === org.orgId).map((r) => `${r.executionId}:${r.reason}`).sort();
    const listed = await listExecutions({ orgId: org.orgId }, { stuck: true }, { limit: 100, cursor: null });
    expect(fromSweep).toEqual(listed.items.map((e) => `${e.executionId}:${e.stuckReason}`).sort());
    expect(fromSweep).toEqual([`${ids.runOld}:running`, `${ids.schedOld}:scheduled`].sort());
  });
  // the plans of the sweep's statements: tests/integration/query-plans.itest.ts, at 200k rows
});

describe("auto TIMED_OUT", () => {
  it("is off by default, and when a workflow turns it on marks the execution TIMED_OUT after the multiple, audited", async () => {
    const org = await createFastOrg({ scheduled: 1, running: 3600 });
    const clock = fakeClock();
    const since = clock.now();
    const plain = await executionIn(org.orgId, "wf.plain", "SCHEDULED", since);
    const guarded = await executionIn(org.orgId, "wf.guarded", "SCHEDULED", since);
    await updateWorkflowAlertSettings({ orgId: org.orgId, actor: SYSTEM }, { workflow: "wf.guarded", autoTimeoutMultiple: 2 });
    const monitor = monitorOf(org.orgId, clock);
    const statusOf = async (x: string) => (await pool().query(`SELECT status, error FROM executions WHERE "orgId" = $1 AND "executionId" = $2`, [org.orgId, x])).rows[0];

    // stuck (1 s) but not yet 2 × 1 s: alerts only
    clock.set(new Date(since.getTime() + 1_500));
    expect((await monitor.tick())!.timeOuts).toEqual([]);
    expect((await statusOf(guarded)).status).toBe("SCHEDULED");
    // past the multiple: the guarded one is marked TIMED_OUT through ingestion, at the sweep's time
    clock.set(new Date(since.getTime() + 2_100));
    expect((await monitor.tick())!.timeOuts).toEqual([expect.objectContaining({ executionId: guarded, multiple: 2, thresholdSeconds: 1 })]);
    const timedOut = await statusOf(guarded);
    expect(timedOut.status).toBe("TIMED_OUT");
    expect(timedOut.error).toMatchObject({ code: "RUNWATCH_STUCK_TIMEOUT" });
    const { rows: ev } = await pool().query(`SELECT "occurredAt" FROM execution_events WHERE "orgId" = $1 AND "eventId" LIKE 'monitor-timeout-%'`, [org.orgId]);
    expect(ev).toEqual([{ occurredAt: clock.now() }]);

    // the audit entry commits with the alert's timed-out mark, just after the status change
    const { rows: audit } = await pool().query(`SELECT "actorType", action, "resourceId", success FROM audit_logs WHERE "orgId" = $1 AND action = 'execution.auto_timeout'`, [org.orgId]);
    expect(audit).toEqual([{ actorType: "SYSTEM", action: "execution.auto_timeout", resourceId: guarded, success: true }]);

    // the next sweep resolves its alert (ingestion queued it for a recheck)
    clock.advance(INTERVAL);
    expect((await monitor.tick())!.resolved).toBe(1);
    const alerts = await alertRows(org.orgId);
    expect(alerts.find((a) => a.executionId === guarded)).toMatchObject({ state: "RESOLVED", resolution: "timed_out", timedOutAt: expect.any(Date) });
    expect(alerts.find((a) => a.executionId === plain)).toMatchObject({ state: "FIRING", timedOutAt: null });
    expect((await statusOf(plain)).status).toBe("SCHEDULED");
  });
});

describe("storm control", () => {
  it("groups a burst of stuck executions of one workflow into one notification per channel, each with its own alert", async () => {
    const org = await createFastOrg({ scheduled: 1, running: 3600 });
    await updateOrgAlertSettings({ orgId: org.orgId, actor: SYSTEM }, { stormThreshold: 3, stormWindowSeconds: 2 });
    const [rxA, rxB] = [await receiver(), await receiver()];
    // webhooks that asked for grouping (off by default for webhooks: missed.itest.ts covers the defaults)
    await addWebhookChannel(org.orgId, rxA.url, "WEBHOOK", { stormGrouping: true });
    await addWebhookChannel(org.orgId, rxB.url, "WEBHOOK", { stormGrouping: true });
    const clock = fakeClock();
    const past = new Date(clock.now().getTime() - 5_000);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await executionIn(org.orgId, "wf.pool", "SCHEDULED", new Date(past.getTime() + i)));
    // a different workflow below the threshold is notified on its own
    const lone = await executionIn(org.orgId, "wf.other", "SCHEDULED", past);

    const monitor = monitorOf(org.orgId, clock);
    const delivery = startDelivery(org.orgId);
    await monitor.tick();
    await delivery.drain();

    for (const rx of [rxA, rxB]) {
      expect(rx.ofType("alert.storm")).toHaveLength(1);
      expect(rx.ofType("alert.firing").map((r) => r.json.alert.executionId)).toEqual([lone]);
      const storm = rx.ofType("alert.storm")[0]!.json.storm;
      expect(storm).toMatchObject({ workflow: "wf.pool", count: 6 });
      expect(storm.alerts.map((a: { executionId: string }) => a.executionId).sort()).toEqual([...ids].sort());
    }
    const alerts = await alertRows(org.orgId);
    expect(alerts.filter((a) => ids.includes(a.executionId!))).toHaveLength(6);
    expect(new Set(alerts.filter((a) => ids.includes(a.executionId!)).map((a) => a.stormId)).size).toBe(1);

    // one more within the window joins silently
    const late = await executionIn(org.orgId, "wf.pool", "SCHEDULED", past);
    clock.advance(INTERVAL);
    await monitor.tick();
    await delivery.drain();
    expect((await alertRows(org.orgId)).find((a) => a.executionId === late)?.stormId).toBe(alerts.find((a) => a.executionId === ids[0])!.stormId);
    expect(rxA.requests).toHaveLength(2);

    // the pool recovers: alerts resolve without one message each; the storm ends with one message per channel
    await sendEvents(org.orgId, [...ids, late].map((x) => ({ eventId: uid("ev"), executionId: x, status: "COMPLETED", occurredAt: clock.advance(1).toISOString() })));
    clock.advance(INTERVAL);
    // the storm ends in the same sweep as its last alert resolves
    expect((await monitor.tick())!.resolved).toBe(7);
    await delivery.drain();
    for (const rx of [rxA, rxB]) {
      expect(rx.ofType("alert.storm.resolved")).toHaveLength(1);
      expect(rx.ofType("alert.resolved")).toHaveLength(0);
      expect(rx.ofType("alert.storm.resolved")[0]!.json.storm).toMatchObject({ workflow: "wf.pool", count: 7 });
    }
  });
});

describe("failure-rate rule", () => {
  it("fires when more than X% of at least N executions failed within the window, and resolves when the rate drops back", async () => {
    const org = await createFastOrg({ scheduled: 3600, running: 3600 });
    await updateOrgAlertSettings({ orgId: org.orgId, actor: SYSTEM }, { failureRate: { percent: 20, minExecutions: 5, windowSeconds: 600 } });
    const rx = await receiver();
    await addWebhookChannel(org.orgId, rx.url);
    const finish = (status: string, n: number) =>
      sendEvents(org.orgId, Array.from({ length: n }, () => ({ eventId: uid("ev"), executionId: uid("x"), workflow: "wf.flaky", status })));

    const monitor = monitorOf(org.orgId, fakeClock(new Date()), { failureRateEveryMs: 0 });
    const delivery = startDelivery(org.orgId);
    // 2 of 4 failed: over 20%, but fewer than 5 executions
    await finish("FAILED", 2);
    await finish("COMPLETED", 2);
    await monitor.tick();
    expect((await alertRows(org.orgId)).filter((a) => a.reason === "failure_rate")).toHaveLength(0);

    // 2 of 5 failed (40%)
    await finish("COMPLETED", 1);
    await monitor.tick();
    await monitor.tick();
    await delivery.drain();
    const fired = (await alertRows(org.orgId)).filter((a) => a.reason === "failure_rate");
    expect(fired).toEqual([expect.objectContaining({ state: "FIRING", executionId: null })]);
    expect(rx.ofType("alert.firing")).toHaveLength(1);
    expect(rx.ofType("alert.firing")[0]!.json.alert).toMatchObject({ reason: "failure_rate", workflow: "wf.flaky", executionId: null, failureRate: { failed: 2, total: 5, percent: 40 } });

    // 2 of 15 failed (13%): resolves
    await finish("COMPLETED", 10);
    await monitor.tick();
    await delivery.drain();
    expect((await alertRows(org.orgId)).filter((a) => a.reason === "failure_rate")).toEqual([expect.objectContaining({ state: "RESOLVED", resolution: "rate_recovered" })]);
    expect(rx.ofType("alert.resolved")).toHaveLength(1);
    expect(rx.ofType("alert.resolved")[0]!.json.alert).toMatchObject({ reason: "failure_rate", resolution: "rate_recovered" });
  });
});
