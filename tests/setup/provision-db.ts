// A throwaway database for a test run, shared by the vitest integration setup and scripts/test.ts.
// With DATABASE_URL: a fresh `runwatch_test_<random>` database on that server, dropped afterwards.
// Without it: embedded PostgreSQL (PGlite) in a temporary folder, deleted afterwards.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { applyMigrations } from "../../server/db/migrate";

export type TestDatabase = { url: string; kind: "server" | "embedded"; teardown(): Promise<void> };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The same server's URL for another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

const DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres";

/**
 * A real PostgreSQL server that can hold a database of a test's own (DATABASE_URL's, or the
 * local default), as the URL of its `postgres` database; null when there is none. Embedded
 * PGlite serves a single database whatever the name, so it does not qualify.
 */
export async function findRealServer(): Promise<string | null> {
  const candidates = [process.env.DATABASE_URL, DEFAULT_SERVER].filter((u): u is string => !!u).map((u) => withDatabase(u, "postgres"));
  for (const url of candidates) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ version: string }>("SELECT version()");
      if (!/emscripten|wasm/i.test(rows[0]!.version)) return url;
    } catch {
      // not reachable: try the next one
    } finally {
      await client.end().catch(() => {});
    }
  }
  return null;
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, "postgres") });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** `until`: migrate only that far, as an older release left its database (upgrade tests). */
export type ProvisionOptions = { until?: string };

async function onServer(serverUrl: string, options: ProvisionOptions): Promise<TestDatabase> {
  const name = `runwatch_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  const url = withDatabase(serverUrl, name);
  const teardown = async () => {
    // FORCE (PostgreSQL 13+) ends connections a crashed test may have left open
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  };
  try {
    await applyMigrations(url, options);
  } catch (err) {
    await teardown().catch(() => {});
    throw err;
  }
  return { url, kind: "server", teardown };
}

async function embedded(options: ProvisionOptions): Promise<TestDatabase> {
  // imported lazily: PGlite is only loaded when no server is configured
  const { startEmbeddedPostgres } = await import("../../server/db/embedded");
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "runwatch-test-pg-"));
  const pgServer = await startEmbeddedPostgres({ dataDir, port: await freePort() });
  const teardown = async () => {
    try {
      await pgServer.stop();
    } catch (err) {
      console.warn("embedded PostgreSQL did not stop cleanly:", err);
    }
    await rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    await applyMigrations(pgServer.url, options);
  } catch (err) {
    await teardown();
    throw err;
  }
  return { url: pgServer.url, kind: "embedded", teardown };
}

export async function provisionTestDatabase(serverUrl = process.env.DATABASE_URL, options: ProvisionOptions = {}): Promise<TestDatabase> {
  return serverUrl ? onServer(serverUrl, options) : embedded(options);
}
