// Starts the monitor and the delivery worker with the environment's settings: used by
// `npm run monitor` (scripts/monitor.ts) and by the Next.js server (instrumentation.ts).
import { DeliveryWorker } from "../delivery/worker";
import { log } from "../log";
import { Monitor, type MonitorOptions } from "./monitor";
import { alertingSettings } from "./settings";

export type Alerting = { monitor: Monitor; delivery: DeliveryWorker | null; stop(): Promise<void> };

export function startAlerting(opts: { holder?: string; afterCommit?: MonitorOptions["afterCommit"] } = {}): Alerting {
  const s = alertingSettings();
  const monitor = new Monitor({
    intervalMs: s.intervalMs,
    failureRateEveryMs: s.failureRateEveryMs,
    holder: opts.holder,
    afterCommit: opts.afterCommit,
    clock: () => new Date(),
  });
  const delivery = s.deliveryEnabled
    ? new DeliveryWorker({ pollMs: s.pollMs, concurrency: s.concurrency, timeoutMs: s.timeoutMs, backoff: s.backoff, smtpUrl: s.smtpUrl, smtpFrom: s.smtpFrom, orgIds: s.deliveryOrgIds })
    : null;
  monitor.start();
  delivery?.start();
  log.info({ intervalMs: s.intervalMs, delivery: s.deliveryEnabled, pollMs: s.pollMs }, "monitor and delivery worker started");
  return {
    monitor,
    delivery,
    async stop() {
      await Promise.all([monitor.stop(), delivery?.stop()]);
    },
  };
}
