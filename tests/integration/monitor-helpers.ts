// Helpers for the monitor, alert and delivery integration tests: a local HTTP receiver that
// records requests and answers from a script, polling waits, monitor processes, and shortcuts
// to put executions into a state.
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type net from "node:net";
import path from "node:path";
import { pool } from "../../server/db/client";
import { DeliveryWorker, type DeliveryOptions } from "../../server/delivery/worker";
import { ingestEvents } from "../../server/ingest/service";
import { createTestOrg } from "../setup/helpers";

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a receiver takes whatever JSON arrives; tests assert its shape
export type Received = { at: number; path: string; headers: Record<string, string>; body: string; json: any };

export type Receiver = {
  url: string;
  requests: Received[];
  /** answers in order; the last one repeats */
  respondWith(statuses: number[]): void;
  ofType(type: string): Received[];
  close(): Promise<void>;
};

export async function startReceiver(statuses: number[] = [200]): Promise<Receiver> {
  let script = [...statuses];
  const requests: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        /* not JSON */
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      requests.push({ at: Date.now(), path: req.url ?? "/", headers, body, json });
      const status = script.length > 1 ? script.shift()! : script[0]!;
      res.writeHead(status, { "content-type": "text/plain" }).end(status >= 400 ? `status ${status}` : "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    respondWith(s) {
      script = [...s];
    },
    ofType: (type) => requests.filter((r) => r.json?.type === type),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls until `fn` returns a truthy value (or stops throwing); fails with the last error. */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = new Error(`still falsy: ${JSON.stringify(v)}`);
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting${opts.what ? ` for ${opts.what}` : ""}: ${(last as Error)?.message ?? last}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 25));
  }
}

let seq = 0;
export const uid = (p: string) => `${p}-${Date.now().toString(36)}-${(seq++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

/** A test organization whose stuck thresholds are short (seconds). */
export async function createFastOrg(thresholds: { scheduled?: number; running?: number } = {}) {
  const org = await createTestOrg();
  await pool().query(`UPDATE organizations SET "stuckScheduledAfterSeconds" = $2, "stuckRunningAfterSeconds" = $3 WHERE id = $1`, [
    org.orgId,
    thresholds.scheduled ?? 2,
    thresholds.running ?? 2,
  ]);
  return org;
}

export async function addWebhookChannel(orgId: string, url: string, type: "WEBHOOK" | "SLACK" = "WEBHOOK", opts: { stormGrouping?: boolean } = {}): Promise<{ id: string; secret: string }> {
  const { createChannel } = await import("../../server/channels/service");
  const created = await createChannel({ orgId: orgId, actor: { type: "SYSTEM", label: "test" } }, { type, url, stormGrouping: opts.stormGrouping });
  return { id: created.channel.id, secret: created.secret };
}

export async function sendEvents(orgId: string, events: Record<string, unknown>[]) {
  const results = await ingestEvents({ orgId }, { events });
  for (const r of results) if (r.outcome === "invalid") throw new Error(`event rejected: ${r.reason}`);
  return results;
}

/** Ingests an execution into `status` at `occurredAt` (default now) and returns its id. */
export async function executionIn(orgId: string, workflow: string, status: "SCHEDULED" | "RUNNING" | "PENDING" | "WAITING", occurredAt = new Date(), executionId = uid("exec")) {
  await sendEvents(orgId, [{ eventId: uid("ev"), executionId, workflow, status, occurredAt: occurredAt.toISOString() }]);
  return executionId;
}

export async function alertRows(orgId: string) {
  const { rows } = await pool().query(
    // ORDER BY alerts.id, not id: the bare name is the text output column, and '10' < '9'
    `SELECT id::text, reason, "executionId", state, resolution, "stormId"::text AS "stormId", "timedOutAt", since FROM alerts WHERE "orgId" = $1 ORDER BY alerts.id`,
    [orgId],
  );
  return rows as { id: string; reason: string; executionId: string | null; state: string; resolution: string | null; stormId: string | null; timedOutAt: Date | null; since: Date }[];
}

export async function attemptRows(orgId: string) {
  const { rows } = await pool().query(
    `SELECT d."notificationId"::text AS "notificationId", d.attempt, d."statusCode", d.ok, d.error, d."latencyMs", n.state, n.type
     FROM delivery_attempts d JOIN notifications n ON n."orgId" = d."orgId" AND n.id = d."notificationId"
     WHERE d."orgId" = $1 ORDER BY d.id`,
    [orgId],
  );
  return rows as { notificationId: string; attempt: number; statusCode: number | null; ok: boolean; error: string | null; latencyMs: number; state: string; type: string }[];
}

export const FAST_ENV = {
  RUNWATCH_MONITOR_INTERVAL_MS: "500",
  RUNWATCH_DELIVERY_POLL_MS: "100",
  RUNWATCH_DELIVERY_BACKOFF_BASE_MS: "100",
  RUNWATCH_FAILURE_RATE_EVERY_MS: "500",
};

export type MonitorProcess = { proc: ChildProcess; pid: number; output: () => string; exited: Promise<number | null>; kill(signal?: NodeJS.Signals): Promise<void> };

/**
 * `npm run monitor` as a child process against the test database. One that delivers must name its
 * organizations (RUNWATCH_DELIVERY_ORG_IDS): every test file shares the database, and a process
 * that claimed another file's notification and was then killed would hold it for the claim's
 * length (tens of seconds), so that file's delivery would time out.
 */
export function spawnMonitor(env: Record<string, string> = {}, script = "scripts/monitor.ts"): MonitorProcess {
  if (env.RUNWATCH_DELIVERY !== "off" && !env.RUNWATCH_DELIVERY_ORG_IDS) throw new Error("spawnMonitor: set RUNWATCH_DELIVERY_ORG_IDS (or RUNWATCH_DELIVERY: off)");
  let out = "";
  const proc = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: root,
    env: { ...process.env, ...FAST_ENV, LOG_LEVEL: "info", RUNWATCH_DB_POOL_SIZE: "3", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  proc.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return {
    proc,
    pid: proc.pid!,
    output: () => out,
    exited,
    async kill(signal = "SIGKILL") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

export async function leaseHolder(): Promise<{ holder: string; token: string; acquiredAt: Date } | null> {
  const { rows } = await pool().query(`SELECT holder, token::text, "acquiredAt" FROM monitor_leases WHERE name = 'monitor'`);
  return rows[0] ?? null;
}

/**
 * A clock that only moves when a test moves it, for Monitor's and sweep()'s `now`: a test sets
 * the time past a threshold instead of sleeping until it passes. It starts a minute behind the
 * real time by default, so events stamped with it are never from the future.
 */
export function fakeClock(start = new Date(Date.now() - 60_000)) {
  let t = start.getTime();
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
      return new Date(t);
    },
    set(at: Date) {
      t = at.getTime();
    },
  };
}
export type FakeClock = ReturnType<typeof fakeClock>;

/**
 * A delivery worker for a test: fast polls and retries, and only the given organizations'
 * notifications. Every integration test file shares one database, so an unscoped worker of one
 * file would deliver (and so take away) another file's messages.
 */
export function testDeliveryWorker(orgIds: readonly string[], opts: Partial<DeliveryOptions> = {}): DeliveryWorker {
  return new DeliveryWorker({ pollMs: 50, concurrency: 4, timeoutMs: 2_000, backoff: { baseMs: 100, capMs: 1_000, horizonMs: 3_600_000 }, smtpFrom: "rw@localhost", orgIds, ...opts });
}
