// A private PgBouncer (Debian's `pgbouncer`) in transaction mode in front of a PostgreSQL server,
// for tests and the benchmark that run Runwatch through a transaction pooler: every transaction
// may land on another server connection, so session state (advisory locks, SET, LISTEN, named
// prepared statements) does not survive between transactions.
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { ownedTempDir } from "./pg-cluster";

const run = promisify(execFile);
export const PGBOUNCER_BIN = process.env.PGBOUNCER_BIN ?? "/usr/sbin/pgbouncer";

export type PgBouncer = { port: number; dir: string; url: string; stop(): Promise<void> };

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

/**
 * Starts PgBouncer on `port` for every database of the server at `upstreamPort` (trust, user
 * postgres). `url` names the database "postgres" through it; swap the path for another one.
 */
export async function startPgBouncer(upstreamPort: number, port = 20_000 + Math.floor(Math.random() * 10_000)): Promise<PgBouncer> {
  const dir = await ownedTempDir("runwatch-pgbouncer-");
  const ini = path.join(dir, "pgbouncer.ini");
  const pidfile = path.join(dir, "pgbouncer.pid");
  await writeFile(path.join(dir, "userlist.txt"), `"postgres" ""\n`);
  await writeFile(
    ini,
    [
      "[databases]",
      `* = host=127.0.0.1 port=${upstreamPort}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${path.join(dir, "userlist.txt")}`,
      "pool_mode = transaction",
      "max_client_conn = 500",
      "default_pool_size = 20",
      // node-pg sends these at start-up; PgBouncer refuses unknown startup parameters otherwise
      "ignore_startup_parameters = extra_float_digits,options,application_name",
      "server_reset_query =",
      `logfile = ${path.join(dir, "pgbouncer.log")}`,
      `pidfile = ${pidfile}`,
      "",
    ].join("\n"),
  );
  // PgBouncer refuses to run as root
  const asRoot = process.getuid?.() === 0;
  await run(asRoot ? "runuser" : PGBOUNCER_BIN, [...(asRoot ? ["-u", "postgres", "--", PGBOUNCER_BIN] : []), "-d", ini], { timeout: 30_000 });
  for (let i = 0; i < 100 && !(await canConnect(port)); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await canConnect(port))) throw new Error(`pgbouncer did not listen on ${port}: ${await readFile(path.join(dir, "pgbouncer.log"), "utf8").catch(() => "")}`);
  return {
    port,
    dir,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      const pid = Number((await readFile(pidfile, "utf8").catch(() => "")).trim());
      if (pid) {
        try {
          process.kill(pid, "SIGTERM");
        } catch {
          /* already gone */
        }
        for (let i = 0; i < 100 && (await canConnect(port)); i++) await new Promise((r) => setTimeout(r, 50));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
