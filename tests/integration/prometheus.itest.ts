// /api/metrics against the real tools (Debian's `prometheus` package): `promtool check metrics`
// passes on the exposition, and a real Prometheus scraping a test server sees the stuck gauge
// above 0 while an execution is stuck, written by a real monitor sweep. Delivery attempts are
// counted by channel type and result, and default process metrics keep their standard names.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as metricsRoute } from "../../app/api/metrics/route";
import { metrics } from "../../server/metrics/prometheus";
import { Monitor } from "../../server/monitor/monitor";
import { addWebhookChannel, createFastOrg, executionIn, spawnMonitor, startReceiver, testDeliveryWorker, waitFor, type Receiver } from "./monitor-helpers";

const which = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
const PROMETHEUS = which("prometheus");
const PROMTOOL = which("promtool");
// CI installs the package (.ci/run); elsewhere the test says why it did not run
const missing = !PROMETHEUS || !PROMTOOL;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let app: http.Server;
let appPort: number;
let prom: ChildProcess | null = null;
let dir: string;
let receiver: Receiver;

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${appPort}/api/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

describe.skipIf(missing && !process.env.CI)(`Prometheus${missing ? " (skipped: install Debian's prometheus package for prometheus and promtool)" : ""}`, () => {
  beforeAll(async () => {
    // the test server: the real route handler behind node's http server
    app = http.createServer(async (req, res) => {
      const answer = await metricsRoute(new Request(`http://127.0.0.1${req.url}`, { headers: req.headers as Record<string, string> }));
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(await answer.text());
    });
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    appPort = (app.address() as net.AddressInfo).port;
    dir = await mkdtemp(path.join(tmpdir(), "runwatch-prom-"));
    receiver = await startReceiver();
  });

  afterAll(async () => {
    prom?.kill("SIGKILL");
    await new Promise((resolve) => app?.close(resolve));
    await receiver?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("promtool check metrics passes; process metrics have their standard names", async () => {
    const body = await scrape();
    const check = spawnSync(PROMTOOL, ["check", "metrics"], { input: body, encoding: "utf8" });
    expect(`${check.stdout}${check.stderr}`.trim()).toBe("");
    expect(check.status).toBe(0);
    expect(body).toMatch(/^process_cpu_seconds_total /m);
    expect(body).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(body).not.toMatch(/runwatch_process_/);
  });

  it("a real Prometheus sees the stuck gauge above 0 while an execution is stuck; deliveries are counted", async () => {
    const org = await createFastOrg({ scheduled: 1, running: 3600 });
    await addWebhookChannel(org.orgId, receiver.url);
    await executionIn(org.orgId, "wf.prom", "SCHEDULED", new Date(Date.now() - 60_000));
    const monitor = new Monitor({ intervalMs: 500, failureRateEveryMs: 3_600_000, clock: () => new Date() });
    const swept = await monitor.tick();
    await monitor.stop();
    expect(swept?.stuckByReason?.scheduled).toBeGreaterThan(0);

    const promPort = await freePort();
    await writeFile(
      path.join(dir, "prometheus.yml"),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: runwatch\n    metrics_path: /api/metrics\n    static_configs:\n      - targets: ["127.0.0.1:${appPort}"]\n`,
    );
    let promLog = "";
    prom = spawn(PROMETHEUS, [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${promPort}`], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    prom.stdout!.on("data", (c: Buffer) => (promLog += c.toString()));
    prom.stderr!.on("data", (c: Buffer) => (promLog += c.toString()));

    const query = async (q: string) => {
      const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`).catch(() => null);
      if (!res?.ok) return null;
      const body = (await res.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      return body.data.result;
    };
    const stuck = await waitFor(
      async () => {
        const result = await query('runwatch_stuck_executions{reason="scheduled"}');
        const value = Number(result?.[0]?.value[1] ?? "0");
        return value > 0 ? value : null;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: `Prometheus to scrape the stuck gauge (log: ${promLog.slice(-500)})` },
    );
    expect(stuck).toBeGreaterThanOrEqual(1);
    const sweeps = await waitFor(async () => Number((await query("runwatch_monitor_sweep_duration_seconds_count"))?.[0]?.value[1] ?? "0") || null, { timeoutMs: 10_000 });
    expect(sweeps).toBeGreaterThanOrEqual(1);

    // the sweep queued one alert.firing for the webhook channel: its delivery is counted
    const worker = testDeliveryWorker([org.orgId], { pollMs: 30, concurrency: 2 });
    await worker.drain();
    await waitFor(() => receiver.requests.length > 0 || null, { timeoutMs: 10_000, what: "the webhook delivery" });
    const delivered = (await metrics().alertDeliveries.get()).values.find((v) => v.labels.channel === "webhook" && v.labels.result === "delivered");
    expect(delivered?.value).toBeGreaterThanOrEqual(1);
  });

  it("npm run monitor serves the stuck gauge on RUNWATCH_MONITOR_METRICS_PORT, and promtool accepts it", async () => {
    const org = await createFastOrg({ scheduled: 1, running: 3600 });
    await executionIn(org.orgId, "wf.prom.standalone", "SCHEDULED", new Date(Date.now() - 60_000));
    const port = await freePort();
    const monitor = spawnMonitor({ RUNWATCH_MONITOR_METRICS_PORT: String(port), RUNWATCH_DELIVERY: "off" });
    try {
      const body = await waitFor(
        async () => {
          const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => "");
          const m = /^runwatch_stuck_executions\{reason="scheduled"\} (\d+)/m.exec(text);
          return m && Number(m[1]) > 0 ? text : null;
        },
        { timeoutMs: 30_000, intervalMs: 250, what: `the monitor's /metrics to show a stuck execution (output: ${monitor.output().slice(-300)})` },
      );
      const check = spawnSync(PROMTOOL, ["check", "metrics"], { input: body, encoding: "utf8" });
      expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    } finally {
      await monitor.kill("SIGTERM");
    }
  });
});
