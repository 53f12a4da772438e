// Environment of the monitor, the delivery worker and the channels, validated once with messages
// that say how to fix it. (RUNWATCH_MONITOR_INTERVAL_MS itself lives in server/config.ts.)
import { z } from "zod";
import { config } from "../config";
import { DEFAULT_BACKOFF, type BackoffPolicy } from "../delivery/backoff";

const schema = z.object({
  // "inprocess": the Next.js server runs the monitor and the delivery worker itself
  RUNWATCH_MONITOR: z.string().optional(),
  RUNWATCH_FAILURE_RATE_EVERY_MS: z.coerce.number().int().min(50, "RUNWATCH_FAILURE_RATE_EVERY_MS must be at least 50").optional(),
  RUNWATCH_DELIVERY: z.enum(["on", "off"], { error: 'RUNWATCH_DELIVERY must be "on" or "off"' }).default("on"),
  RUNWATCH_DELIVERY_POLL_MS: z.coerce.number().int().min(20, "RUNWATCH_DELIVERY_POLL_MS must be at least 20").default(1000),
  RUNWATCH_DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(8),
  RUNWATCH_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  RUNWATCH_DELIVERY_BACKOFF_BASE_MS: z.coerce.number().int().min(1).default(DEFAULT_BACKOFF.baseMs),
  RUNWATCH_DELIVERY_BACKOFF_CAP_MS: z.coerce.number().int().min(1).default(DEFAULT_BACKOFF.capMs),
  RUNWATCH_DELIVERY_RETRY_HOURS: z.coerce.number().positive().default(DEFAULT_BACKOFF.horizonMs / 3_600_000),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "SMTP_URL must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587")
    .optional(),
  SMTP_FROM: z.string().min(3).default("Runwatch <runwatch@localhost>"),
});

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
};

export function alertingSettings(env: NodeJS.ProcessEnv = process.env): AlertingSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid alerting configuration:\n${lines.join("\n")}`);
  }
  const v = parsed.data;
  const intervalMs = config().RUNWATCH_MONITOR_INTERVAL_MS;
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
  };
}
