// A PostgreSQL cluster a test owns: initdb in a temp dir, its own port, started and stopped at
// will. Tests that stop, kill or replicate PostgreSQL use this, never the shared server.
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

export async function createCluster(port = 20_000 + Math.floor(Math.random() * 10_000)): Promise<PgCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), "runwatch-pg-"));
  if (process.getuid?.() === 0) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await chmod(dir, 0o700);
  const data = path.join(dir, "data");
  await pgTool("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
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
  await cluster.start();
  return cluster;
}
