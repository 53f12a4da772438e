// `npm run monitor`: the stuck-execution monitor and the notification delivery worker, standalone.
// Run as many as you like: one leads (PostgreSQL advisory lock), the others stand by, and all of
// them deliver notifications (the outbox is shared with SKIP LOCKED).
import http from "node:http";
import { config } from "../server/config";
import { closeDb } from "../server/db/client";
import { log } from "../server/log";
import { metrics } from "../server/metrics/prometheus";
import { startAlerting } from "../server/monitor/runner";

let alerting: ReturnType<typeof startAlerting>;
try {
  alerting = startAlerting();
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}

// This process sweeps without serving the app: with RUNWATCH_MONITOR_METRICS_PORT it serves its
// own /metrics (the stuck gauge and sweep durations live where the sweep runs).
const metricsPort = config().RUNWATCH_MONITOR_METRICS_PORT;
const metricsServer = metricsPort
  ? http
      .createServer(async (req, res) => {
        if (req.url?.split("?")[0] !== "/metrics") {
          res.writeHead(404).end("only /metrics here\n");
          return;
        }
        const { registry } = metrics();
        res.writeHead(200, { "content-type": registry.contentType }).end(await registry.metrics());
      })
      .listen(metricsPort, () => log.info({ port: metricsPort }, "monitor: metrics on /metrics"))
  : null;

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) process.exit(130);
  stopping = true;
  log.info({ signal }, "monitor: stopping");
  metricsServer?.close();
  await alerting.stop().catch(() => {});
  await closeDb().catch(() => {});
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
