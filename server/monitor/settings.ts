// Settings of the monitor, the delivery worker and the channels, from the one configuration
// schema (server/config.ts).
import { config, parseConfig } from "../config";
import type { BackoffPolicy } from "../delivery/backoff";

export type AlertingSettings = {
  intervalMs: number;
  failureRateEveryMs: number;
  inProcess: boolean;
  deliveryEnabled: boolean;
  pollMs: number;
  concurrency: number;
  timeoutMs: number;
  backoff: BackoffPolicy;
  smtpUrl: string | undefined;
  smtpFrom: string;
  /** unset: every organization */
  deliveryOrgIds: readonly string[] | undefined;
};

export function alertingSettings(env?: Readonly<Record<string, string | undefined>>): AlertingSettings {
  const v = env ? parseConfig(env) : config();
  const intervalMs = v.RUNWATCH_MONITOR_INTERVAL_MS;
  return {
    intervalMs,
    // the failure-rate rule reads every execution that finished within its window: not every tick
    failureRateEveryMs: v.RUNWATCH_FAILURE_RATE_EVERY_MS ?? Math.max(intervalMs, 30_000),
    inProcess: v.RUNWATCH_MONITOR === "inprocess",
    deliveryEnabled: v.RUNWATCH_DELIVERY === "on",
    pollMs: v.RUNWATCH_DELIVERY_POLL_MS,
    concurrency: v.RUNWATCH_DELIVERY_CONCURRENCY,
    timeoutMs: v.RUNWATCH_DELIVERY_TIMEOUT_MS,
    backoff: { baseMs: v.RUNWATCH_DELIVERY_BACKOFF_BASE_MS, capMs: v.RUNWATCH_DELIVERY_BACKOFF_CAP_MS, horizonMs: v.RUNWATCH_DELIVERY_RETRY_HOURS * 3_600_000 },
    smtpUrl: v.SMTP_URL,
    smtpFrom: v.SMTP_FROM,
    deliveryOrgIds: v.RUNWATCH_DELIVERY_ORG_IDS,
  };
}
