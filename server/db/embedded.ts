// Embedded PostgreSQL for `npm start` without DATABASE_URL: PGlite (PostgreSQL compiled to
// WebAssembly) keeps its data in a folder and pglite-socket serves it over the wire protocol,
// so Prisma, pg and the schema engine connect to it exactly as to a real server.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { btree_gin } from "@electric-sql/pglite/contrib/btree_gin";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { config, parseConfig } from "../config";

export const DEFAULT_EMBEDDED_PG_PORT = 5433;

export type EmbeddedPostgres = { url: string; port: number; stop(): Promise<void> };

/** The port from RUNWATCH_EMBEDDED_PG_PORT, or the default; a bad value is a clear error. */
export function embeddedPort(env?: Readonly<Record<string, string | undefined>>): number {
  return (env ? parseConfig(env) : config()).RUNWATCH_EMBEDDED_PG_PORT;
}

/** The connection URL clients use. pglite-socket answers "no" to SSL requests; saying so up front saves a round trip. */
export function embeddedUrl(port: number): string {
  return `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
}

function assertPortFree(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => {
      const why =
        err.code === "EADDRINUSE"
          ? `port ${port} is already in use (another Runwatch, or a PostgreSQL server?)`
          : `cannot listen on ${host}:${port} (${err.code ?? err.message})`;
      reject(new Error(`Embedded PostgreSQL: ${why}. Set RUNWATCH_EMBEDDED_PG_PORT to a free port, or set DATABASE_URL to use your own PostgreSQL.`));
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

export async function startEmbeddedPostgres({ dataDir, port }: { dataDir: string; port: number }): Promise<EmbeddedPostgres> {
  const host = "127.0.0.1";
  await assertPortFree(port, host);
  await mkdir(dataDir, { recursive: true });
  // the contrib extensions the migrations create (substring search's trigram index)
  const db = await PGlite.create(dataDir, { extensions: { pg_trgm, btree_gin } });
  // the default of one connection makes a pool's concurrent queries fail; PGlite still runs
  // one statement at a time, and the socket server keeps a transaction on its own connection
  const server = new PGLiteSocketServer({ db, port, host, maxConnections: 10 * 10 });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    // closing flushes PGlite's data folder; doing it twice would fail on a closed database
    stopping ??= (async () => {
      await server.stop();
      await db.close();
    })();
    return stopping;
  };
  // this process's pools (and its children's, which inherit the variable) use one connection
  process.env.RUNWATCH_EMBEDDED_DB = "1";
  return { url: embeddedUrl(port), port, stop };
}

// --- The project's own embedded database (.runwatch/pgdata) ---------------------------------
// PGlite is one process writing one folder: a second process opening the same folder would
// corrupt it. The process that opens it records its pid and URL in a lock file, so `npm start`
// refuses to open it twice and the CLI connects to the running one instead of opening it.

export type ProjectDatabasePaths = { dataDir: string; lockFile: string };

export function projectDatabasePaths(projectRoot: string): ProjectDatabasePaths {
  return { dataDir: path.join(projectRoot, ".runwatch", "pgdata"), lockFile: path.join(projectRoot, ".runwatch", "embedded.json") };
}

type LockContent = { pid: number; url: string };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The URL of the project's embedded database when another live process serves it, else null. */
export async function runningProjectDatabase(projectRoot: string): Promise<{ pid: number; url: string } | null> {
  const { lockFile } = projectDatabasePaths(projectRoot);
  const text = await readFile(lockFile, "utf8").catch(() => null);
  if (!text) return null;
  try {
    const lock = JSON.parse(text) as LockContent;
    return lock.pid !== process.pid && isAlive(lock.pid) ? lock : null;
  } catch {
    return null; // a torn write from a crashed process: treat as no lock
  }
}

/** Opens .runwatch/pgdata for this process, or fails naming the process that already has it open. */
export async function startProjectDatabase(projectRoot: string, port = embeddedPort()): Promise<EmbeddedPostgres> {
  const { dataDir, lockFile } = projectDatabasePaths(projectRoot);
  const running = await runningProjectDatabase(projectRoot);
  if (running) {
    throw new Error(`Embedded PostgreSQL in ${dataDir} is already served by process ${running.pid} at ${running.url}; stop it first, or set DATABASE_URL.`);
  }
  const pg = await startEmbeddedPostgres({ dataDir, port });
  await writeFile(lockFile, JSON.stringify({ pid: process.pid, url: pg.url } satisfies LockContent));
  return {
    ...pg,
    stop: async () => {
      await pg.stop();
      await rm(lockFile, { force: true });
    },
  };
}
