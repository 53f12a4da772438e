// Environment, validated once at start-up with messages that say how to fix it.
import { z } from "zod";

const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgresql:// URL, e.g. postgresql://postgres@127.0.0.1:5432/runwatch")
    .optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  RUNWATCH_PUBLIC_URL: z.string().url().optional(),
  RUNWATCH_MONITOR_INTERVAL_MS: z.coerce.number().int().min(50, "RUNWATCH_MONITOR_INTERVAL_MS must be at least 50").default(10_000),
  // requests per second per API key, and the burst a key may spend at once
  RUNWATCH_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(2000),
  RUNWATCH_RATE_LIMIT_BURST: z.coerce.number().int().min(1).optional(),
  // how long an event that cannot create its execution yet is kept (rule 9) before the monitor drops it
  RUNWATCH_DEFER_HOURS: z.coerce.number().positive("RUNWATCH_DEFER_HOURS must be a positive number of hours, e.g. 24").default(24),
  RUNWATCH_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Config = z.infer<typeof schema>;

let cached: Config | undefined;

export function config(): Config {
  if (cached) return cached;
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  cached = parsed.data;
  return cached;
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
