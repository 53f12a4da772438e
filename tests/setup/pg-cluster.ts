// A PostgreSQL cluster a test owns: initdb in a temp dir, its own port, started and stopped at
// will, and streaming replicas of it. Tests that stop, kill or replicate PostgreSQL use this,
// never the shared server.
import { execFile } from "node:child_process";
import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

export type PgCluster = { port: number; dir: string; url: string; start(): Promise<void>; stop(): Promise<void>; destroy(): Promise<void> };

/** initdb refuses root: run the server tools as the postgres user then. */
async function pgTool(tool: string, args: string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  await run(asRoot ? "runuser" : path.join(BIN, tool), asRoot ? ["-u", "postgres", "--", path.join(BIN, tool), ...args] : args, { timeout: 60_000 });
}

/** A temp dir the server tools may own (they refuse a data directory others can read). */
export async function ownedTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  if (process.getuid?.() === 0) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await chmod(dir, 0o700);
  return dir;
}

const randomPort = () => 20_000 + Math.floor(Math.random() * 10_000);

/** Start, stop and destroy for the data directory `dir`/data, served on `port`. */
function clusterIn(dir: string, port: number): PgCluster {
  const data = path.join(dir, "data");
  const cluster: PgCluster = {
    port,
    dir,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    start: () =>
      pgTool("pg_ctl", ["-D", data, "-w", "-l", path.join(dir, "log"), "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"]),
    stop: () => pgTool("pg_ctl", ["-D", data, "-w", "-m", "fast", "stop"]),
    destroy: async () => {
      await cluster.stop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

export async function createCluster(port = randomPort()): Promise<PgCluster> {
  const dir = await ownedTempDir("runwatch-pg-");
  // initdb's default pg_hba.conf trusts replication connections from 127.0.0.1 too, and
  // wal_level=replica is PostgreSQL 15's default: every cluster can have streaming replicas
  await pgTool("initdb", ["-D", path.join(dir, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const cluster = clusterIn(dir, port);
  await cluster.start();
  return cluster;
}

/**
 * A streaming replica of `primary`: pg_basebackup -R copies its data directory and writes
 * primary_conninfo and standby.signal, so the new cluster starts as a hot standby that replays
 * the primary's WAL as it streams in. Read-only: a write sent here fails.
 */
export async function createReplica(primary: PgCluster, port = randomPort()): Promise<PgCluster> {
  const dir = await ownedTempDir("runwatch-pg-replica-");
  await pgTool("pg_basebackup", ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", path.join(dir, "data"), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"]);
  const replica = clusterIn(dir, port);
  await replica.start();
  return replica;
}
