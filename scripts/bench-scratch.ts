// The private setup of `npm run bench -- --scratch N`: a PostgreSQL 15 primary in a temp dir with
// N generated executions (scripts/gen.ts), a streaming replica of it (pg_basebackup -R, its own
// data directory and port), and a Runwatch API process (the app's route handlers over HTTP)
// with DATABASE_REPLICA_URLS on that replica. Lists, counts and charts then read the replica,
// ingestion and the monitor's sweep write the primary, as a scaled-out deployment does.
import { execFile, execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { startApiProcess } from "../tests/setup/api-process";
import { createCluster, createReplica, type PgCluster } from "../tests/setup/pg-cluster";

export type Scratch = { databaseUrl: string; replicaUrl: string; baseUrl: string; serverPid: number; stop(): Promise<void> };

const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
/**
 * Stops a cluster and deletes its directory synchronously: for process.on("exit"), so a bench
 * that fails half-way leaves no server running in /tmp.
 */
function destroySync(cluster: PgCluster): void {
  const pgCtl = path.join(process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin", "pg_ctl");
  const args = ["-D", path.join(cluster.dir, "data"), "-m", "immediate", "stop"];
  try {
    if (process.getuid?.() === 0) execFileSync("runuser", ["-u", "postgres", "--", pgCtl, ...args], { stdio: "ignore" });
    else execFileSync(pgCtl, args, { stdio: "ignore" });
  } catch {
    /* not running */
  }
  rmSync(cluster.dir, { recursive: true, force: true });
}

const withDatabase = (url: string, name: string) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();

export async function startScratch(executions: number, say: (s: string) => void): Promise<Scratch> {
  const primary = await createCluster();
  const cleanup: (() => Promise<unknown>)[] = [() => primary.destroy()];
  const clusters = [primary];
  let serverPid: number | undefined;
  const onExit = () => {
    if (serverPid) {
      try {
        process.kill(serverPid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    for (const c of clusters) destroySync(c);
  };
  process.once("exit", onExit);
  process.once("SIGINT", () => process.exit(130));
  const stop = async () => {
    process.removeListener("exit", onExit);
    for (const c of cleanup.reverse()) await c().catch(() => {});
  };
  try {
    const databaseUrl = withDatabase(primary.url, "runwatch_bench");
    say(`scratch: primary on port ${primary.port}; generating ${executions.toLocaleString("en-US")} executions…`);
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        [path.join(projectRoot, "node_modules/tsx/dist/cli.mjs"), "scripts/gen.ts", "--executions", String(executions), "--orgs", "4", "--workflows", "40", "--database-url", databaseUrl],
        { cwd: projectRoot, maxBuffer: 16 << 20, timeout: 60 * 60_000 },
        (err, _stdout, stderr) => (err ? reject(new Error(`gen failed: ${stderr.trim().split("\n").pop()}`)) : resolve()),
      ),
    );
    const replica = await createReplica(primary);
    cleanup.push(() => replica.destroy());
    clusters.push(replica);
    const replicaUrl = withDatabase(replica.url, "runwatch_bench");
    say(`scratch: streaming replica on port ${replica.port}`);
    const server = await startApiProcess(databaseUrl, {
      DATABASE_REPLICA_URLS: replicaUrl,
      RUNWATCH_DB_POOL_SIZE: "20",
      BETTER_AUTH_SECRET: randomBytes(24).toString("hex"),
      RUNWATCH_MONITOR: "0",
    });
    cleanup.push(() => server.stop());
    serverPid = server.child.pid;
    say(`scratch: API process ${server.child.pid} at ${server.base}, reads on the replica`);
    return { databaseUrl, replicaUrl, baseUrl: server.base, serverPid: server.child.pid!, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
