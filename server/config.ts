// The one configuration schema: every environment variable of the server, the monitor, the CLI,
// `npm start` and the simulator, with its type, default and a message that says how to fix a bad
// value. Validated once at start-up (instrumentation.ts, scripts/start.ts, scripts/monitor.ts,
// server/cli/main.ts): a bad value stops the process naming the variable.
//
// Adding a variable: add it to `configSchema` below, read it through config(), add a row to the
// README's Configuration table and a bad sample to tests/unit/config.test.ts; that test fails
// until all three agree.
import { z } from "zod";
import { parseTrustedProxies } from "./net/addresses";

const int = (name: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);

/** Delivery retry defaults (server/delivery/backoff.ts); here so config imports no capability. */
export const DEFAULT_BACKOFF = { baseMs: 10_000, capMs: 2 * 60 * 60 * 1000, horizonMs: 24 * 60 * 60 * 1000 } as const;

const postgresUrl = /^postgres(ql)?:\/\//;

const flag = (name: string) => z.enum(["0", "1"], { error: `${name} must be 1 (on) or 0 (off)` });

export const configSchema = z.object({
  // --- database ---
  DATABASE_URL: z.string().regex(postgresUrl, "DATABASE_URL must be a postgresql:// URL, e.g. postgresql://postgres@127.0.0.1:5432/runwatch").optional(),
  DATABASE_REPLICA_URLS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const urls = (raw ?? "").split(",").map((u) => u.trim()).filter(Boolean);
      const bad = urls.findIndex((u) => !postgresUrl.test(u));
      if (bad >= 0) {
        ctx.addIssue({
          code: "custom",
          message: `DATABASE_REPLICA_URLS: entry ${bad + 1} is not a postgresql:// URL; write e.g. DATABASE_REPLICA_URLS=postgresql://runwatch@replica-1:5432/runwatch,postgresql://runwatch@replica-2:5432/runwatch`,
        });
      }
      return urls;
    }),
  RUNWATCH_DB_POOL_SIZE: int("RUNWATCH_DB_POOL_SIZE", 1, 200).default(20),
  // off: ingestion commits without waiting for its WAL flush; a crash can lose the last
  // fraction of a second of acknowledged events (never corrupts). Opt-in only.
  RUNWATCH_INGEST_SYNCHRONOUS_COMMIT: z
    .enum(["on", "off"], { error: 'RUNWATCH_INGEST_SYNCHRONOUS_COMMIT must be "on" (durable, the default) or "off"' })
    .default("on"),
  RUNWATCH_EMBEDDED_PG_PORT: int("RUNWATCH_EMBEDDED_PG_PORT", 1, 65535).default(5433),
  /** set by `npm start` and the CLI when they serve embedded PGlite; not for operators */
  RUNWATCH_EMBEDDED_DB: flag("RUNWATCH_EMBEDDED_DB").optional(),

  // --- HTTP server ---
  PORT: int("PORT", 1, 65535).default(3000),
  RUNWATCH_PUBLIC_URL: z.url({ protocol: /^https?$/, error: "RUNWATCH_PUBLIC_URL must be an absolute URL, e.g. https://runwatch.example.com" }).optional(),
  RUNWATCH_RATE_LIMIT_PER_SECOND: z.coerce
    .number({ error: "RUNWATCH_RATE_LIMIT_PER_SECOND must be a number" })
    .positive("RUNWATCH_RATE_LIMIT_PER_SECOND must be above 0")
    .default(2000),
  RUNWATCH_RATE_LIMIT_BURST: int("RUNWATCH_RATE_LIMIT_BURST", 1).optional(),
  RUNWATCH_TRUSTED_PROXIES: z
    .string()
    .optional()
    .superRefine((raw, ctx) => {
      try {
        parseTrustedProxies(raw);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: `RUNWATCH_TRUSTED_PROXIES: ${(err as Error).message}` });
      }
    }),
  RUNWATCH_METRICS_TOKEN: z.string().regex(/^\S{16,}$/, "RUNWATCH_METRICS_TOKEN must be 16+ characters without spaces").optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { error: "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent" }).default("info"),

  // --- sign-in ---
  BETTER_AUTH_SECRET: z.string().min(32, "BETTER_AUTH_SECRET must be 32+ characters (`npm start` creates one in .runwatch/auth-secret)").optional(),
  BETTER_AUTH_URL: z.url({ protocol: /^https?$/, error: "BETTER_AUTH_URL must be an absolute URL, e.g. https://runwatch.example.com" }).optional(),
  /** tests and throwaway demos: run production without BETTER_AUTH_SECRET */
  RUNWATCH_ALLOW_EPHEMERAL_SECRET: flag("RUNWATCH_ALLOW_EPHEMERAL_SECRET").optional(),
  RUNWATCH_SIGNIN_ATTEMPTS_PER_MINUTE: int("RUNWATCH_SIGNIN_ATTEMPTS_PER_MINUTE", 1).default(10),
  RUNWATCH_SIGNIN_ATTEMPTS_PER_ACCOUNT: int("RUNWATCH_SIGNIN_ATTEMPTS_PER_ACCOUNT", 1).default(20),

  // --- monitor and delivery ---
  RUNWATCH_MONITOR: z.enum(["inprocess", "process", "0"], { error: 'RUNWATCH_MONITOR must be "inprocess", "process" or "0" (off)' }).optional(),
  RUNWATCH_MONITOR_INTERVAL_MS: int("RUNWATCH_MONITOR_INTERVAL_MS", 50).default(10_000),
  // the monitor's lease is a session-level advisory lock: behind a transaction pooler (PgBouncer)
  // it needs a direct session to PostgreSQL, which this names (default DATABASE_URL)
  RUNWATCH_MONITOR_DATABASE_URL: z
    .string()
    .regex(postgresUrl, "RUNWATCH_MONITOR_DATABASE_URL must be a postgresql:// URL straight to PostgreSQL (not through PgBouncer), e.g. postgresql://runwatch@db:5432/runwatch")
    .optional(),
  // how long an event that cannot create its execution yet is kept (rule 9) before the monitor drops it
  RUNWATCH_DEFER_HOURS: z.coerce
    .number({ error: "RUNWATCH_DEFER_HOURS must be a number of hours" })
    .positive("RUNWATCH_DEFER_HOURS must be a positive number of hours, e.g. 24")
    .default(24),
  RUNWATCH_MONITOR_METRICS_PORT: int("RUNWATCH_MONITOR_METRICS_PORT", 1, 65535).optional(),
  RUNWATCH_FAILURE_RATE_EVERY_MS: int("RUNWATCH_FAILURE_RATE_EVERY_MS", 50).optional(),
  RUNWATCH_DELIVERY: z.enum(["on", "off"], { error: 'RUNWATCH_DELIVERY must be "on" or "off"' }).default("on"),
  RUNWATCH_DELIVERY_POLL_MS: int("RUNWATCH_DELIVERY_POLL_MS", 20).default(1000),
  RUNWATCH_DELIVERY_CONCURRENCY: int("RUNWATCH_DELIVERY_CONCURRENCY", 1, 100).default(8),
  RUNWATCH_DELIVERY_TIMEOUT_MS: int("RUNWATCH_DELIVERY_TIMEOUT_MS", 100, 120_000).default(10_000),
  RUNWATCH_DELIVERY_BACKOFF_BASE_MS: int("RUNWATCH_DELIVERY_BACKOFF_BASE_MS", 1).default(DEFAULT_BACKOFF.baseMs),
  RUNWATCH_DELIVERY_BACKOFF_CAP_MS: int("RUNWATCH_DELIVERY_BACKOFF_CAP_MS", 1).default(DEFAULT_BACKOFF.capMs),
  // a worker for some organizations only (for example a tenant with its own delivery process);
  // unset, the usual case, delivers every organization's notifications
  RUNWATCH_DELIVERY_ORG_IDS: z
    .string()
    .transform((s) => s.split(",").map((id) => id.trim()).filter(Boolean))
    .pipe(z.array(z.uuid("RUNWATCH_DELIVERY_ORG_IDS must be organization ids (UUIDs) separated by commas")).min(1, "RUNWATCH_DELIVERY_ORG_IDS must name at least one organization id"))
    .optional(),
  RUNWATCH_DELIVERY_RETRY_HOURS: z.coerce
    .number({ error: "RUNWATCH_DELIVERY_RETRY_HOURS must be a number" })
    .positive("RUNWATCH_DELIVERY_RETRY_HOURS must be above 0")
    .default(DEFAULT_BACKOFF.horizonMs / 3_600_000),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, "SMTP_URL must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587").optional(),
  SMTP_FROM: z.string().min(3, 'SMTP_FROM must be a sender, e.g. "Runwatch <runwatch@example.com>"').default("Runwatch <runwatch@localhost>"),

  // --- npm start, the simulator and the CLI ---
  RUNWATCH_SIMULATE: flag("RUNWATCH_SIMULATE").optional(),
  RUNWATCH_SIMULATE_ENGINE: z.enum(["http", "bullmq"], { error: "RUNWATCH_SIMULATE_ENGINE must be http or bullmq" }).default("http"),
  RUNWATCH_SIMULATE_REDIS: z.string().regex(/^[^\s:]+:\d{1,5}$/, "RUNWATCH_SIMULATE_REDIS must be host:port, e.g. 127.0.0.1:6379").default("127.0.0.1:6379"),
  RUNWATCH_SIMULATE_RATE: z.coerce
    .number({ error: "RUNWATCH_SIMULATE_RATE must be a number" })
    .positive("RUNWATCH_SIMULATE_RATE must be above 0 (executions per second)")
    .default(2),
  RUNWATCH_URL: z.url({ protocol: /^https?$/, error: "RUNWATCH_URL must be an absolute URL, e.g. http://127.0.0.1:3000" }).optional(),
  RUNWATCH_API_KEY: z.string().regex(/^rw_[A-Za-z0-9_-]{32,}$/, "RUNWATCH_API_KEY must be an API key: rw_ followed by 32+ URL-safe characters").optional(),
  RUNWATCH_DEBUG: flag("RUNWATCH_DEBUG").optional(),
});

export type Config = z.infer<typeof configSchema>;
export const CONFIG_VARIABLES = Object.keys(configSchema.shape) as (keyof Config)[];

/** The environment validated, or an Error naming each bad variable and how to fix it. */
export function parseConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  // an empty value means "unset", as in most shells' `VAR= command`
  const present = Object.fromEntries(CONFIG_VARIABLES.filter((k) => env[k] !== undefined && env[k] !== "").map((k) => [k, env[k]]));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? "");
      return `  ${name}: ${i.message.startsWith(name) ? i.message : `${name} ${i.message}`} (got ${JSON.stringify(present[name])})`;
    });
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

let cached: { env: string; config: Config } | undefined;

/** The validated configuration of this process (validated on first use, and again if the environment changed). */
export function config(): Config {
  const key = CONFIG_VARIABLES.map((k) => process.env[k] ?? "").join("\u0000");
  if (cached?.env === key) return cached.config;
  cached = { env: key, config: parseConfig(process.env) };
  return cached.config;
}

/** Forgets the parsed environment, so a test can change it. */
export function resetConfigForTests(): void {
  cached = undefined;
}

export function databaseUrl(): string {
  const url = config().DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set. `npm start` sets it for embedded PostgreSQL; otherwise export DATABASE_URL=postgresql://…");
  return url;
}

/**
 * Where a connection that needs a real session goes: RUNWATCH_MONITOR_DATABASE_URL, else
 * DATABASE_URL. The monitor's leader lease (an advisory lock) and the API-key cache's LISTEN
 * both break under PgBouncer's transaction pooling; everything else uses the pool.
 */
export function sessionDatabaseUrl(): string {
  return config().RUNWATCH_MONITOR_DATABASE_URL ?? databaseUrl();
}

/**
 * Validates at start-up: prints the reasons and exits 1 on a bad value, so a typo never runs a
 * process that silently ignores it.
 */
export function validateConfigOrExit(): Config {
  try {
    return parseConfig(process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}
