// `npm run monitor` as separate processes: three at once give one alert and one delivery per
// channel; killing the leader hands over within two intervals; a process killed right after an
// alert commits still gets its notification delivered after a restart.
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { addWebhookChannel, alertRows, createFastOrg, executionIn, leaseHolder, spawnMonitor, startReceiver, waitFor, type MonitorProcess, type Receiver } from "./monitor-helpers";

const INTERVAL = 500;
const procs: MonitorProcess[] = [];
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill("SIGKILL")));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function monitorProcess(env: Record<string, string> = {}, script?: string) {
  const p = spawnMonitor(env, script);
  procs.push(p);
  return p;
}

async function receiver() {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

const holderPid = (holder: string) => Number(holder.split(":").pop());

// Leader election across processes needs real PostgreSQL sessions: embedded PGlite is a single
// session shared by every connection, so an advisory lock cannot tell the processes apart there.
describe.skipIf(process.env.RUNWATCH_EMBEDDED_DB === "1")("monitor processes", () => {
  it("three at once give exactly one alert and one delivery per channel; killing the leader hands over and alerting goes on", async () => {
    const org = await createFastOrg({ scheduled: 2, running: 3600 });
    const [rxA, rxB] = [await receiver(), await receiver()];
    const a = await addWebhookChannel(org.orgId, rxA.url);
    const b = await addWebhookChannel(org.orgId, rxB.url);
    const deliverFor = { RUNWATCH_DELIVERY_ORG_IDS: org.orgId };
    const monitors = [monitorProcess(deliverFor), monitorProcess(deliverFor), monitorProcess(deliverFor)];
    await waitFor(async () => {
      const h = await leaseHolder();
      return h && monitors.some((m) => m.pid === holderPid(h.holder));
    }, { timeoutMs: 20_000, what: "a leader among the three" });

    const x = await executionIn(org.orgId, "wf.multi", "SCHEDULED");
    await waitFor(() => rxA.ofType("alert.firing").length >= 1 && rxB.ofType("alert.firing").length >= 1, { timeoutMs: 8_000, what: "alert.firing on both channels" });
    // a few more sweeps and polls by all three: still one of each
    await new Promise((r) => setTimeout(r, 4 * INTERVAL));
    expect(rxA.ofType("alert.firing")).toHaveLength(1);
    expect(rxB.ofType("alert.firing")).toHaveLength(1);
    expect(new Webhook(a.secret).verify(rxA.requests[0]!.body, rxA.requests[0]!.headers)).toMatchObject({ alert: { executionId: x } });
    expect(new Webhook(b.secret).verify(rxB.requests[0]!.body, rxB.requests[0]!.headers)).toMatchObject({ alert: { executionId: x } });
    expect((await alertRows(org.orgId)).filter((r) => r.executionId === x)).toHaveLength(1);

    // kill the leader
    const before = (await leaseHolder())!;
    const leader = monitors.find((m) => m.pid === holderPid(before.holder))!;
    const killedAt = Date.now();
    await leader.kill("SIGKILL");
    const after = await waitFor(async () => {
      const h = await leaseHolder();
      return h && h.token !== before.token ? h : null;
    }, { timeoutMs: 5_000, intervalMs: 10, what: "a new leader" });
    const takeoverMs = Date.now() - killedAt;
    expect(holderPid(after.holder)).not.toBe(leader.pid);
    expect(monitors.filter((m) => m !== leader).map((m) => m.pid)).toContain(holderPid(after.holder));
    expect(takeoverMs).toBeLessThanOrEqual(2 * INTERVAL);

    // the new leader keeps alerting
    const y = await executionIn(org.orgId, "wf.multi", "SCHEDULED");
    await waitFor(() => rxA.ofType("alert.firing").some((r) => r.json.alert.executionId === y) && rxB.ofType("alert.firing").some((r) => r.json.alert.executionId === y), {
      timeoutMs: 8_000,
      what: "alert.firing for the second execution",
    });
    await new Promise((r) => setTimeout(r, 3 * INTERVAL));
    expect(rxA.ofType("alert.firing")).toHaveLength(2);
    expect(rxB.ofType("alert.firing")).toHaveLength(2);
  });

  it("a process killed right after an alert commits: after a restart the notification is still delivered", async () => {
    const org = await createFastOrg({ scheduled: 1, running: 3600 });
    const rx = await receiver();
    await addWebhookChannel(org.orgId, rx.url);
    const x = await executionIn(org.orgId, "wf.crash", "SCHEDULED", new Date(Date.now() - 3_000));

    // dies (SIGKILL to itself) as soon as a sweep that opened an alert has committed
    const doomed = monitorProcess({ RUNWATCH_DELIVERY: "off" }, "tests/setup/monitor-crash-after-commit.ts");
    await waitFor(() => doomed.proc.signalCode === "SIGKILL", { timeoutMs: 20_000, what: "the monitor to kill itself after the commit" });
    expect(await alertRows(org.orgId)).toEqual([expect.objectContaining({ executionId: x, state: "FIRING" })]);
    expect(rx.requests).toHaveLength(0);

    monitorProcess({ RUNWATCH_DELIVERY_ORG_IDS: org.orgId });
    const firing = await waitFor(() => rx.ofType("alert.firing")[0], { timeoutMs: 20_000, what: "delivery after the restart" });
    expect(firing.json.alert.executionId).toBe(x);
    await new Promise((r) => setTimeout(r, 3 * INTERVAL));
    expect(rx.requests).toHaveLength(1);
    expect(await alertRows(org.orgId)).toHaveLength(1);
  });
});
