// The one configuration schema (server/config.ts): every variable with a bad value stops
// start-up with its name in the message; the README's table lists exactly the schema's
// variables; and the processes that start (CLI, monitor, npm start) refuse a bad value.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES, parseConfig } from "../../server/config";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

/** A bad value for every variable. A new variable needs one here (the first test says so). */
const BAD: Record<string, string> = {
  DATABASE_URL: "mysql://root@localhost/db",
  DATABASE_REPLICA_URLS: "postgresql://ok/x,http://not-postgres",
  RUNWATCH_DB_POOL_SIZE: "abc",
  RUNWATCH_INGEST_SYNCHRONOUS_COMMIT: "false",
  RUNWATCH_EMBEDDED_PG_PORT: "70000",
  RUNWATCH_EMBEDDED_DB: "yes",
  PORT: "0",
  RUNWATCH_PUBLIC_URL: "runwatch.example.com",
  RUNWATCH_RATE_LIMIT_PER_SECOND: "-5",
  RUNWATCH_RATE_LIMIT_BURST: "1.5",
  RUNWATCH_TRUSTED_PROXIES: "10.0.0.0/40",
  RUNWATCH_METRICS_TOKEN: "short",
  LOG_LEVEL: "verbose",
  BETTER_AUTH_SECRET: "too-short",
  BETTER_AUTH_URL: "not a url",
  RUNWATCH_ALLOW_EPHEMERAL_SECRET: "true",
  RUNWATCH_SIGNIN_ATTEMPTS_PER_MINUTE: "abc",
  RUNWATCH_SIGNIN_ATTEMPTS_PER_ACCOUNT: "0",
  RUNWATCH_MONITOR: "in-process",
  RUNWATCH_MONITOR_INTERVAL_MS: "10",
  RUNWATCH_MONITOR_DATABASE_URL: "pgbouncer://127.0.0.1:6432/runwatch",
  RUNWATCH_DEFER_HOURS: "-1",
  RUNWATCH_MONITOR_METRICS_PORT: "metrics",
  RUNWATCH_FAILURE_RATE_EVERY_MS: "soon",
  RUNWATCH_DELIVERY: "maybe",
  RUNWATCH_DELIVERY_POLL_MS: "5",
  RUNWATCH_DELIVERY_CONCURRENCY: "1000",
  RUNWATCH_DELIVERY_TIMEOUT_MS: "99",
  RUNWATCH_DELIVERY_BACKOFF_BASE_MS: "0",
  RUNWATCH_DELIVERY_BACKOFF_CAP_MS: "x",
  RUNWATCH_DELIVERY_RETRY_HOURS: "-1",
  RUNWATCH_DELIVERY_ORG_IDS: "acme,globex",
  SMTP_URL: "http://mail.example.com",
  SMTP_FROM: "x",
  RUNWATCH_SIMULATE: "on",
  RUNWATCH_SIMULATE_RATE: "0",
  RUNWATCH_SIMULATE_ENGINE: "kafka",
  RUNWATCH_SIMULATE_REDIS: "no-port",
  RUNWATCH_URL: "localhost:3000",
  RUNWATCH_API_KEY: "sk_live_123",
  RUNWATCH_DEBUG: "verbose",
};

describe("the configuration schema", () => {
  it("has a bad sample for every variable (add one when you add a variable)", () => {
    expect(Object.keys(BAD).sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it.each(CONFIG_VARIABLES)("%s with a bad value is refused, naming it", (name) => {
    expect(() => parseConfig({ [name]: BAD[name] })).toThrow(new RegExp(`^Invalid configuration:\\n  ${name}: .*${name}`));
  });

  it("accepts an empty environment, with the documented defaults", () => {
    const c = parseConfig({});
    expect(c).toMatchObject({ PORT: 3000, RUNWATCH_MONITOR_INTERVAL_MS: 10_000, RUNWATCH_SIGNIN_ATTEMPTS_PER_MINUTE: 10, RUNWATCH_DELIVERY: "on", LOG_LEVEL: "info", DATABASE_REPLICA_URLS: [] });
    expect(parseConfig({ RUNWATCH_MONITOR: "" }).RUNWATCH_MONITOR).toBeUndefined();
    expect(parseConfig({}).RUNWATCH_DELIVERY_ORG_IDS).toBeUndefined();
  });

  it("RUNWATCH_DELIVERY_ORG_IDS is a comma-separated list of organization ids", () => {
    const [a, b] = ["0b8f7c1e-2d3a-4c5b-9e6f-7a8b9c0d1e2f", "1c9a8d2f-3e4b-4d6c-8f7a-8b9c0d1e2f3a"];
    expect(parseConfig({ RUNWATCH_DELIVERY_ORG_IDS: ` ${a}, ${b} ,` }).RUNWATCH_DELIVERY_ORG_IDS).toEqual([a, b]);
    expect(() => parseConfig({ RUNWATCH_DELIVERY_ORG_IDS: " , " })).toThrow(/RUNWATCH_DELIVERY_ORG_IDS must name at least one/);
  });

  it("the README's Configuration table lists exactly the schema's variables, with defaults that match", () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("\n## ", readme.indexOf("## Configuration") + 5));
    const rows = section.split("\n").filter((l) => /^\| `/.test(l));
    const documented = rows.flatMap((row) => [...row.split("|")[1]!.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!));
    expect([...documented].sort()).toEqual([...CONFIG_VARIABLES].sort());
    // a default written as a literal in the table is the schema's default
    const defaults = parseConfig({}) as Record<string, unknown>;
    for (const row of rows) {
      const [, names, dflt] = row.split("|");
      const literal = /^\s*`([^`]+)`\s*$/.exec(dflt ?? "")?.[1];
      const name = /`([A-Z0-9_]+)`/.exec(names!)?.[1];
      if (literal && name && defaults[name] !== undefined) expect(String(defaults[name]), name).toBe(literal);
    }
  });
});

describe("start-up refuses a bad value", { timeout: 60_000 }, () => {
  const run = (script: string, args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, ["--import", "tsx", script, ...args], { cwd: root, env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 });

  it("the CLI exits 1 naming the variable", () => {
    const r = run("server/cli/main.ts", ["verify"], { RUNWATCH_MONITOR: "in-process" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/RUNWATCH_MONITOR/);
  });

  it("the monitor exits 1 naming the variable", () => {
    const r = run("scripts/monitor.ts", [], { RUNWATCH_SIGNIN_ATTEMPTS_PER_MINUTE: "abc", DATABASE_URL: "postgresql://nobody@127.0.0.1:1/x" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/RUNWATCH_SIGNIN_ATTEMPTS_PER_MINUTE/);
  });

  it("npm start exits 1 naming the variable, before starting anything", () => {
    const r = run("scripts/start.ts", [], { PORT: "http", DATABASE_URL: "postgresql://nobody@127.0.0.1:1/x" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/PORT/);
  });
});
