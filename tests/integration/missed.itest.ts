// Missed runs against real PostgreSQL: one signed alert with reason "missed" and its slot,
// resolution by the next execution, a count for missed slots in a row, no alert for slots
// before the schedule existed, one alert with three monitor processes; schedules through PATCH
// (400s naming the field). And storm grouping per channel: a webhook gets one alert.firing per
// execution, Slack one alert.storm, both end promptly. Each test has its own organization and
// the monitor sweeps only that one; time moves by the monitor's injected clock (fakeClock) and
// the test ticks it, so nothing sleeps for a slot or a threshold to pass.
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { pool } from "../../server/db/client";
import { Monitor } from "../../server/monitor/monitor";
import { systemContext } from "../../server/context";
import { updateWorkflow } from "../../server/workflows/service";
import type { Schedule } from "../../server/workflows/schedule";
import { createTestApiKey } from "../setup/helpers";
import { api } from "./api-helpers";
import { addWebhookChannel, alertRows, createFastOrg, executionIn, fakeClock, sendEvents, spawnMonitor, startReceiver, testDeliveryWorker, uid, waitFor, type MonitorProcess, type Receiver } from "./monitor-helpers";

const INTERVAL = 500;
const running: { stop(): Promise<void> }[] = [];
const receivers: Receiver[] = [];
const processes: MonitorProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
  await Promise.all(processes.splice(0).map((p) => p.kill("SIGTERM")));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** A monitor of one organization that sweeps when the test ticks it, at the test's clock. */
function tickedMonitor(orgId: string, clock: () => Date) {
  const monitor = new Monitor({ intervalMs: INTERVAL, failureRateEveryMs: 60_000, clock, orgIds: [orgId] });
  running.push(monitor);
  return monitor;
}

/** The running monitor loop of one organization; `sweeps()` counts the sweeps it committed. */
function startMonitor(orgId: string, clock: () => Date = () => new Date()) {
  let sweeps = 0;
  const monitor = new Monitor({ intervalMs: INTERVAL, failureRateEveryMs: 60_000, clock, orgIds: [orgId], onSweep: () => sweeps++ });
  running.push(monitor);
  monitor.start();
  return {
    monitor,
    /** waits for `n` more sweeps: what a test waits for instead of sleeping for some intervals */
    async sweepsMore(n: number) {
      const target = sweeps + n;
      await waitFor(() => sweeps >= target, { what: `${n} more sweeps` });
    },
  };
}

function deliveryWorker(orgId: string) {
  return testDeliveryWorker([orgId]);
}

function startDelivery(orgId: string) {
  const worker = deliveryWorker(orgId);
  running.push(worker);
  worker.start();
  return worker;
}

/** Waits for `n` more sweeps of whichever process leads: each renews the lease row in its transaction. */
async function leaderSweeps(n: number) {
  const renewedAt = async () => ((await pool().query(`SELECT "renewedAt" FROM monitor_leases WHERE name = 'monitor'`)).rows[0]?.renewedAt as Date | undefined)?.getTime() ?? 0;
  for (let i = 0; i < n; i++) {
    const before = await renewedAt();
    await waitFor(async () => (await renewedAt()) > before, { what: "a sweep of the leader" });
  }
}

/** Waits until the organization's outbox holds nothing pending: every notification was sent. */
async function outboxSent(orgId: string) {
  await waitFor(async () => (await pool().query(`SELECT 1 FROM notifications WHERE "orgId" = $1 AND state = 'PENDING' LIMIT 1`, [orgId])).rowCount === 0, { what: "the outbox sent" });
}

async function receiver() {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

/** A workflow with no execution yet (what PUT /api/v1/workflows/{key} creates). */
async function newWorkflow(orgId: string, key: string) {
  await pool().query(`INSERT INTO workflows ("orgId", key, name) VALUES ($1, $2, $2)`, [orgId, key]);
}

async function setSchedule(orgId: string, key: string, schedule: Schedule | null) {
  const changed = await updateWorkflow(systemContext(orgId, "missed test"), { key, patch: { schedule } });
  if (!changed) throw new Error(`no workflow ${key}`);
  return changed.after;
}

const missedAlerts = async (orgId: string) => (await alertRows(orgId)).filter((a) => a.reason === "missed");
async function missedDetails(orgId: string) {
  const { rows } = await pool().query(`SELECT id::text, state, details, resolution FROM alerts WHERE "orgId" = $1 AND reason = 'missed' ORDER BY alerts.id`, [orgId]);
  return rows as { id: string; state: string; resolution: string | null; details: { slot: string; lastSlot: string; count: number } }[];
}

describe("everySeconds: 3 with no executions", () => {
  it("fires one signed alert.firing with reason missed and executionId null at the first sweep at the slot, and the next execution resolves it", async () => {
    const org = await createFastOrg();
    const rx = await receiver();
    const ch = await addWebhookChannel(org.orgId, rx.url);
    await newWorkflow(org.orgId, "wf.nightly");
    const clock = fakeClock(new Date());
    const monitor = tickedMonitor(org.orgId, clock.now);
    const worker = deliveryWorker(org.orgId);
    const wf = await setSchedule(org.orgId, "wf.nightly", { everySeconds: 3 });
    const due = Date.parse(wf.scheduleSetAt!) + 3_000;

    // a sweep a millisecond before the slot finds nothing missed yet; the first one at it fires
    clock.set(new Date(due - 1));
    await monitor.tick();
    expect(await missedAlerts(org.orgId)).toHaveLength(0);
    clock.set(new Date(due));
    expect((await monitor.tick())?.missed.opened).toBe(1);
    await worker.drain();
    const [firing] = rx.ofType("alert.firing");
    expect(rx.ofType("alert.firing")).toHaveLength(1);
    expect(new Webhook(ch.secret).verify(firing!.body, firing!.headers)).toEqual(firing!.json);
    expect(firing!.json).toEqual({
      type: "alert.firing",
      alert: {
        id: expect.stringMatching(/^\d+$/),
        executionId: null,
        workflow: "wf.nightly",
        status: null,
        reason: "missed",
        since: new Date(due).toISOString(),
        slot: new Date(due).toISOString(),
        count: 1,
        url: expect.stringContaining(`/o/${org.slug}/alerts?alert=`),
      },
    });

    // the next execution (alive at the monitor's time, so not stuck) resolves it at the next sweep
    await executionIn(org.orgId, "wf.nightly", "RUNNING", clock.now());
    clock.advance(500);
    expect((await monitor.tick())?.missed.resolved).toBe(1);
    await worker.drain();
    const [resolved] = rx.ofType("alert.resolved");
    expect(new Webhook(ch.secret).verify(resolved!.body, resolved!.headers)).toEqual(resolved!.json);
    expect(resolved!.json.alert).toMatchObject({ id: firing!.json.alert.id, executionId: null, status: null, reason: "missed", resolution: "ran", slot: firing!.json.alert.slot });
    expect(rx.ofType("alert.firing")).toHaveLength(1);
    expect(await missedAlerts(org.orgId)).toEqual([expect.objectContaining({ state: "RESOLVED", resolution: "ran", executionId: null })]);
  });
});

describe("missed slots in a row", () => {
  it("three missed slots are one alert with count 3 (the clock moves, nothing sleeps through the slots)", async () => {
    const org = await createFastOrg();
    const rx = await receiver();
    await addWebhookChannel(org.orgId, rx.url);
    await newWorkflow(org.orgId, "wf.hourly");
    const clock = fakeClock(new Date());
    const monitor = tickedMonitor(org.orgId, clock.now);
    const worker = deliveryWorker(org.orgId);
    const wf = await setSchedule(org.orgId, "wf.hourly", { everySeconds: 3600 });
    const setAt = Date.parse(wf.scheduleSetAt!);

    // sweeps within the first hour find nothing
    for (const minutes of [1, 30, 59]) {
      clock.set(new Date(setAt + minutes * 60_000));
      await monitor.tick();
    }
    expect(await missedAlerts(org.orgId)).toHaveLength(0);

    for (const [hours, count] of [[1.5, 1], [2.5, 2], [3.5, 3]] as const) {
      clock.set(new Date(setAt + hours * 3_600_000));
      await monitor.tick();
      expect((await missedDetails(org.orgId))[0]?.details.count).toBe(count);
    }
    const [alert] = await missedDetails(org.orgId);
    expect(await missedDetails(org.orgId)).toHaveLength(1);
    expect(alert).toMatchObject({ state: "FIRING", details: { count: 3, slot: new Date(setAt + 3_600_000).toISOString(), lastSlot: new Date(setAt + 3 * 3_600_000).toISOString() } });
    // counting further slots notifies nobody: one alert.firing in all
    await worker.drain();
    expect(rx.ofType("alert.firing")).toHaveLength(1);
  });
});

describe("a schedule set after the slot time", () => {
  it("a cron slot whose grace is still running when the schedule is set, but which passed before it, does not alert either", async () => {
    const org = await createFastOrg();
    await newWorkflow(org.orgId, "wf.cron");
    let clock = new Date();
    const monitor = tickedMonitor(org.orgId, () => clock);
    // the slot 10:00 passed; the schedule is set at 10:00:30 with 10 min grace; the monitor looks at 10:30
    const wf = await setSchedule(org.orgId, "wf.cron", { cron: "0 * * * *", timezone: "UTC", graceSeconds: 600 });
    const setAt = new Date(wf.scheduleSetAt!);
    const lastSlot = new Date(Math.floor(setAt.getTime() / 3_600_000) * 3_600_000);
    clock = new Date(lastSlot.getTime() + 30 * 60_000);
    await monitor.tick();
    expect(await missedAlerts(org.orgId)).toHaveLength(0);
    // but the next slot, an hour later, does
    clock = new Date(lastSlot.getTime() + 3_600_000 + 601_000);
    await monitor.tick();
    expect(await missedDetails(org.orgId)).toEqual([expect.objectContaining({ state: "FIRING", details: expect.objectContaining({ slot: new Date(lastSlot.getTime() + 3_600_000).toISOString(), count: 1 }) })]);
  });
});

describe("three monitor processes", () => {
  it("open one missed alert and send one alert.firing", async () => {
    const org = await createFastOrg();
    const rx = await receiver();
    await addWebhookChannel(org.orgId, rx.url);
    await newWorkflow(org.orgId, "wf.multi");
    await setSchedule(org.orgId, "wf.multi", { everySeconds: 2 });
    // set ten seconds ago, so its slots are missed by the time any process leads: the processes
    // run the real clock, and the test waits for their sweeps, not for a slot to come
    await pool().query(`UPDATE workflows SET "scheduleSetAt" = "scheduleSetAt" - interval '10 seconds', "missedCheckAt" = NULL WHERE "orgId" = $1 AND key = 'wf.multi'`, [org.orgId]);
    for (let i = 0; i < 3; i++) processes.push(spawnMonitor({ RUNWATCH_DELIVERY_ORG_IDS: org.orgId }));
    await waitFor(() => rx.ofType("alert.firing").length >= 1, { timeoutMs: 30_000, what: "alert.firing from a monitor process" });
    await leaderSweeps(4);
    await outboxSent(org.orgId);
    expect(rx.ofType("alert.firing")).toHaveLength(1);
    expect(await missedAlerts(org.orgId)).toHaveLength(1);
  }, 60_000);
});

describe("schedules through the API", () => {
  it("PATCH sets, shows and removes a schedule; a bad expression or time zone is a 400 naming the field", async () => {
    const org = await createFastOrg();
    const key = await createTestApiKey(org.orgId);
    await executionIn(org.orgId, "wf.api", "RUNNING");
    const bad = async (schedule: unknown) => {
      const res = await api.patchWorkflow(key.key, "wf.api", { schedule });
      expect(res.status, JSON.stringify(schedule)).toBe(400);
      return res.body as { error: string; code: string };
    };
    expect((await bad({ cron: "0 25 * * *", timezone: "UTC" })).error).toMatch(/^schedule\.cron: /);
    expect((await bad({ cron: "0 * * * *", timezone: "Europe/Atlantis" })).error).toMatch(/^schedule\.timezone: unknown time zone/);
    expect((await bad({ everySeconds: -5 })).error).toMatch(/^schedule\.everySeconds: /);
    expect((await api.getWorkflow(key.key, "wf.api")).body.schedule).toBeNull();

    const set = await api.patchWorkflow(key.key, "wf.api", { schedule: { cron: "0 * * * *", timezone: "Europe/Berlin", graceSeconds: 600 } });
    expect(set.status).toBe(200);
    expect(set.body.schedule).toEqual({ cron: "0 * * * *", timezone: "Europe/Berlin", graceSeconds: 600 });
    expect((await api.getWorkflow(key.key, "wf.api")).body.schedule).toEqual({ cron: "0 * * * *", timezone: "Europe/Berlin", graceSeconds: 600 });
    const cleared = await api.patchWorkflow(key.key, "wf.api", { schedule: null });
    expect(cleared.body.schedule).toBeNull();
    const { rows } = await pool().query(`SELECT after->'schedule' AS schedule FROM audit_logs WHERE "orgId" = $1 AND action = 'workflow.update' ORDER BY id`, [org.orgId]);
    expect(rows.map((r) => r.schedule)).toEqual([{ cron: "0 * * * *", timezone: "Europe/Berlin", graceSeconds: 600 }, null]);
  });
});

describe("storm grouping per channel", () => {
  it("14 stuck in one workflow: the webhook gets 14 alert.firing, Slack one alert.storm; both resolve within two intervals after recovery", async () => {
    const org = await createFastOrg({ scheduled: 1, running: 3600 });
    const [hook, slack] = [await receiver(), await receiver()];
    await addWebhookChannel(org.orgId, hook.url, "WEBHOOK");
    await addWebhookChannel(org.orgId, slack.url, "SLACK");
    const { rows: channels } = await pool().query(`SELECT type, "stormGrouping" FROM alert_channels WHERE "orgId" = $1 ORDER BY type`, [org.orgId]);
    expect(Object.fromEntries(channels.map((c) => [c.type, c.stormGrouping]))).toEqual({ WEBHOOK: false, SLACK: true });

    const past = new Date(Date.now() - 5_000);
    const ids: string[] = [];
    for (let i = 0; i < 14; i++) ids.push(uid("exec"));
    await sendEvents(org.orgId, ids.map((executionId, i) => ({ eventId: uid("ev"), executionId, workflow: "wf.pool", status: "SCHEDULED", occurredAt: new Date(past.getTime() + i).toISOString() })));
    const monitor = startMonitor(org.orgId);
    startDelivery(org.orgId);

    await waitFor(() => hook.ofType("alert.firing").length === 14 && slack.requests.length >= 1, { timeoutMs: 8_000, what: "14 firing + a storm" });
    // two more sweeps and an empty outbox: nothing else is on its way
    await monitor.sweepsMore(2);
    await outboxSent(org.orgId);
    expect(new Set(hook.ofType("alert.firing").map((r) => r.json.alert.executionId))).toEqual(new Set(ids));
    expect(hook.ofType("alert.storm")).toHaveLength(0);
    expect(slack.requests).toHaveLength(1);
    expect(slack.requests[0]!.json.text).toMatch(/14 executions of wf\.pool stuck/);
    expect((await alertRows(org.orgId)).filter((a) => a.stormId !== null)).toHaveLength(14);

    // "moved on" is when their RUNNING events are applied, so the clock starts once ingestion answers
    await sendEvents(org.orgId, ids.map((executionId) => ({ eventId: uid("ev"), executionId, status: "RUNNING" })));
    const recoveredAt = Date.now();
    await waitFor(() => hook.ofType("alert.resolved").length === 14 && slack.requests.length === 2, { timeoutMs: 5_000, what: "14 resolved + storm over" });
    const lastResolved = Math.max(...hook.ofType("alert.resolved").map((r) => r.at));
    // within two intervals after the last of them moved on (a little slack for the HTTP round trip)
    expect(lastResolved - recoveredAt).toBeLessThanOrEqual(2 * INTERVAL + 150);
    expect(slack.requests[1]!.at - recoveredAt).toBeLessThanOrEqual(2 * INTERVAL + 150);
    expect(slack.requests[1]!.json.text).toMatch(/the storm of wf\.pool \(14 executions\) is over/);
    expect(hook.ofType("alert.storm.resolved")).toHaveLength(0);
  });
});
