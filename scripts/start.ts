// `npm start` (and `npm run dev` = `npm start -- --dev`): everything needed to run Runwatch
// with one command. Without DATABASE_URL it serves an embedded PostgreSQL from .runwatch/pgdata;
// then it applies migrations, seeds the demo on first run, builds when sources changed, starts
// the web server (scripts/serve.ts; `next dev` with --dev), and prints where to sign in. Ctrl-C stops everything, the database last.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { loadOrCreateAuthSecret } from "../server/auth/secret";
import { validateConfigOrExit } from "../server/config";
import { closeDb } from "../server/db/client";
import { startProjectDatabase, type EmbeddedPostgres } from "../server/db/embedded";
import { applyMigrations, projectRoot } from "../server/db/migrate";
import { loadOrRenewDemoCredentials, saveDemoCredentials, type DemoCredentials } from "../server/demo/credentials";
import { DEMO_LOGINS, DEMO_ORG_SLUG, demoExists, seedDemo } from "../server/demo/seed";
import { redactUrl, renderBanner } from "../server/cli/start/banner";
import { buildPhaseOf, explainWarningBlock, formatElapsed, harmlessWarning } from "../server/cli/start/build-progress";
import { bundleServe } from "../server/cli/start/serve-bundle";
import { checkBuild } from "../server/cli/start/needs-build";

const devMode = process.argv.includes("--dev");
// the one configuration schema (server/config.ts): a bad value stops here, naming the variable
const settings = validateConfigOrExit();
const port = String(settings.PORT);
const require = createRequire(import.meta.url);

const say = (line: string) => process.stdout.write(`[runwatch] ${line}\n`);

/** Children that stop when Runwatch stops. */
const children = new Set<ChildProcess>();

function spawnChild(command: string, args: string[], env: NodeJS.ProcessEnv, label: string): ChildProcess {
  const child = spawn(command, args, { cwd: projectRoot, env, stdio: "inherit" });
  children.add(child);
  child.on("exit", () => children.delete(child));
  child.on("error", (err) => say(`${label} could not start: ${err.message}`));
  return child;
}


async function prepareDatabase(env: NodeJS.ProcessEnv): Promise<EmbeddedPostgres | null> {
  if (env.DATABASE_URL) {
    say(`Using DATABASE_URL ${redactUrl(env.DATABASE_URL)}`);
    return null;
  }
  say("DATABASE_URL is not set: starting embedded PostgreSQL (data in .runwatch/pgdata)…");
  const embedded = await startProjectDatabase(projectRoot);
  env.DATABASE_URL = embedded.url;
  // PGlite is one session behind its socket server: each process uses one pooled connection
  // (server/db/client.ts), so two requests' protocol messages never interleave
  env.RUNWATCH_EMBEDDED_DB = "1";
  say(`Embedded PostgreSQL listening at ${embedded.url}`);
  return embedded;
}

async function migrate(databaseUrl: string): Promise<void> {
  const applied = await applyMigrations(databaseUrl);
  say(applied.length ? `Applied migrations: ${applied.join(", ")}` : "Database schema is up to date.");
}

/** Seeds the demo on first run; afterwards returns the saved credentials (renewing the key if needed). */
async function ensureDemo(): Promise<DemoCredentials> {
  if (!(await demoExists())) {
    say(`Seeding the demo organization "${DEMO_ORG_SLUG}" (a week of executions, takes a few seconds)…`);
    const started = Date.now();
    let lastReported = 0;
    const result = await seedDemo({
      onProgress: (line) => {
        // one progress line every few seconds is enough
        if (Date.now() - lastReported < 2_000) return;
        lastReported = Date.now();
        say(line.trim());
      },
    });
    say(`Seeded ${result.executions} executions of ${result.workflows} workflows in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
    const credentials = { orgSlug: DEMO_ORG_SLUG, apiKey: result.apiKey, logins: DEMO_LOGINS };
    await saveDemoCredentials(projectRoot, credentials);
    return credentials;
  }
  const credentials = await loadOrRenewDemoCredentials(projectRoot);
  if (credentials.renewed) say("Created a fresh demo API key (the saved one was missing or no longer valid).");
  return credentials;
}

async function buildIfNeeded(env: NodeJS.ProcessEnv): Promise<void> {
  const check = await checkBuild(projectRoot);
  if (!check.needed) {
    say(`Skipping build: ${check.reason}.`);
    return;
  }
  say(`Building (${check.reason}); a first build takes a few minutes…`);
  const code = await buildWithProgress(env);
  if (code !== 0) throw new Error(`npm run build failed (exit ${code}); fix the errors above, or run \`npm run dev\` to start without a build`);
}

/**
 * `npm run build` with its output passed through line by line, the phase and elapsed time
 * printed at least every 15 s, and each known harmless warning replaced by why it is harmless.
 */
function buildWithProgress(env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const started = Date.now();
    let phase = "starting";
    let lastPrint = Date.now();
    const explained = new Set<string>();
    let warningBlock: string[] | null = null;
    const child = spawn("npm", ["run", "--silent", "build"], { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    const onLine = (line: string) => {
      // Turbopack's warnings are one block up to the route table: held, then explained
      if (/Turbopack build encountered \d+ warnings?/.test(line)) {
        warningBlock = [];
        return;
      }
      if (warningBlock) {
        if (!/^\s*(Finalizing page optimization|Route \()/.test(line)) {
          warningBlock.push(line);
          return;
        }
        const { explained: notes, unknown } = explainWarningBlock(warningBlock);
        for (const n of notes) say(`build note (harmless): ${n}`);
        if (unknown.length) process.stdout.write(`${unknown.join("\n")}\n`);
        warningBlock = null;
      }
      if (!line.trim()) return;
      const harmless = harmlessWarning(line);
      if (harmless) {
        if (!explained.has(harmless)) say(`build note: ${harmless}`);
        explained.add(harmless);
        return;
      }
      phase = buildPhaseOf(line) ?? phase;
      process.stdout.write(`  ${line}\n`);
      lastPrint = Date.now();
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        buffer += chunk;
        const lines = buffer.split(/\r?\n/);
        buffer = lines.pop() ?? "";
        lines.forEach(onLine);
      });
      stream.on("end", () => buffer && onLine(buffer));
    }
    const ticker = setInterval(() => {
      if (Date.now() - lastPrint < 15_000) return;
      say(`still building: ${phase}, ${formatElapsed(Date.now() - started)} so far`);
      lastPrint = Date.now();
    }, 5_000);
    const done = (code: number) => {
      clearInterval(ticker);
      children.delete(child);
      say(`Build ${code === 0 ? "finished" : "failed"} in ${formatElapsed(Date.now() - started)}.`);
      resolve(code);
    };
    child.on("exit", (code, signal) => done(code ?? (signal ? 1 : 0)));
    child.on("error", () => done(1));
  });
}

/**
 * The server's old-generation limit. A heap snapshot under the ingestion benchmark holds 49 MB
 * of live objects (mostly the bundles' source text and code), yet V8 let the heap grow to
 * 210 MB of mostly dead request objects before collecting, for an RSS of 270–340 MB. With this
 * limit it collects sooner. 160 MB made it collect all the time (single-event ingestion 131
 * req/s against 343 without a cap, quiet); 256 MB keeps the throughput and a peak RSS of 176 MB
 * (docs/ingestion-performance.md). NODE_OPTIONS with its own --max-old-space-size wins.
 */
export const SERVER_OLD_SPACE_MB = 256;

/**
 * The web server: in production scripts/serve.ts, which answers the REST API itself and hands
 * pages to Next in the same process (server/http/front.ts), run as a bundle
 * (server/cli/start/serve-bundle.ts); with --dev, `next dev`.
 */
async function startServer(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  // the monitor and delivery worker run in the server process unless told otherwise
  const monitor = settings.RUNWATCH_MONITOR ?? "inprocess";
  const heap = /--max-old-space-size/.test(env.NODE_OPTIONS ?? "") ? [] : [`--max-old-space-size=${SERVER_OLD_SPACE_MB}`];
  const args = devMode ? [require.resolve("next/dist/bin/next"), "dev", "-p", port] : await productionServer();
  return spawnChild(process.execPath, [...heap, ...args], { ...env, RUNWATCH_MONITOR: monitor, ...(devMode ? {} : { NODE_ENV: "production" }) }, "The server");
}

/** scripts/serve.ts bundled; through tsx (about 60 MB more memory) if bundling fails. */
async function productionServer(): Promise<string[]> {
  try {
    return [await bundleServe(projectRoot)];
  } catch (err) {
    say(`Could not bundle scripts/serve.ts (${err instanceof Error ? err.message : String(err)}); running it through tsx.`);
    return ["--import", pathToFileURL(require.resolve("tsx")).href, path.join(projectRoot, "scripts/serve.ts")];
  }
}

function assertPortFree(portNumber: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", () => reject(new Error(`port ${portNumber} is already in use; set PORT to a free port, e.g. PORT=3001 npm start`)));
    probe.listen(portNumber, () => probe.close(() => resolve()));
  });
}

/** Waits until the server answers HTTP (any status: a failing page still means it is up). */
async function waitForServer(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !shuttingDown) {
    try {
      await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5_000) });
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  return false;
}

/**
 * The processes that run beside the web server: the traffic simulator (RUNWATCH_SIMULATE=1),
 * and the stuck-execution monitor only when RUNWATCH_MONITOR=process. By default the monitor
 * and the alert delivery worker run inside the Next.js server (instrumentation.ts), which keeps
 * embedded PGlite at one client process; RUNWATCH_MONITOR=0 turns them off.
 */
function startCompanions(env: NodeJS.ProcessEnv, appUrl: string, apiKey: string): void {
  const tsx = pathToFileURL(require.resolve("tsx")).href;
  const companions = [
    { script: "scripts/monitor.ts", enabled: settings.RUNWATCH_MONITOR === "process", label: "monitor" },
    { script: "scripts/simulate.ts", enabled: settings.RUNWATCH_SIMULATE === "1", label: "simulator" },
  ];
  for (const c of companions) {
    if (!c.enabled || !existsSync(path.join(projectRoot, c.script))) continue;
    say(`Starting the ${c.label} (${c.script}).`);
    const child = spawnChild(process.execPath, ["--import", tsx, c.script], { ...env, RUNWATCH_URL: appUrl, RUNWATCH_API_KEY: apiKey }, c.label);
    child.on("exit", (code, signal) => {
      if (!shuttingDown) say(`The ${c.label} exited (${signal ?? `code ${code}`}); the server keeps running.`);
    });
  }
}

let shuttingDown = false;

/** Stops children (SIGTERM, then SIGKILL after a grace period), then the embedded database. */
async function shutdown(embedded: EmbeddedPostgres | null, exitCode: number): Promise<never> {
  shuttingDown = true;
  const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  for (const child of running) child.kill("SIGTERM");
  await Promise.race([
    Promise.all(running.map((c) => new Promise((resolve) => c.once("exit", resolve)))),
    new Promise((resolve) => setTimeout(resolve, 10_000)),
  ]);
  for (const child of children) child.kill("SIGKILL");
  await closeDb().catch(() => {});
  if (embedded) {
    await embedded.stop().catch((err: Error) => say(`Embedded PostgreSQL did not stop cleanly: ${err.message}`));
    say("Embedded PostgreSQL stopped.");
  }
  process.exit(exitCode);
}

async function main(): Promise<void> {
  // Next's telemetry would only try to reach the network on every build and start
  const env: NodeJS.ProcessEnv = { NEXT_TELEMETRY_DISABLED: "1", ...process.env, PORT: port };
  // fail before the slow steps rather than after them
  await assertPortFree(Number(port));
  const embedded = await prepareDatabase(env);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    // a second Ctrl-C while stopping means "now"
    if (stopping) process.exit(130);
    stopping = true;
    say(`${signal} received; stopping…`);
    void shutdown(embedded, 0);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    // the app's database client reads process.env, so it sees the embedded URL too
    process.env.DATABASE_URL = env.DATABASE_URL;
    if (env.RUNWATCH_DB_POOL_SIZE) process.env.RUNWATCH_DB_POOL_SIZE = env.RUNWATCH_DB_POOL_SIZE;
    await migrate(env.DATABASE_URL!);
    const credentials = await ensureDemo();
    // the web server and companions open their own pools; this process needs none from here on
    await closeDb();
    if (!devMode) await buildIfNeeded(env);
    // sessions are signed with it; kept in .runwatch/auth-secret so they survive restarts
    env.BETTER_AUTH_SECRET ??= await loadOrCreateAuthSecret(projectRoot);

    const server = await startServer(env);
    server.on("exit", (code, signal) => {
      if (shuttingDown) return;
      say(`The server exited (${signal ?? `code ${code}`}).`);
      void shutdown(embedded, code ?? 1);
    });
    const appUrl = `http://localhost:${port}`;
    const ready = await waitForServer(appUrl, devMode ? 120_000 : 60_000);
    if (shuttingDown) return;
    if (!ready) say(`The server is not answering on port ${port} yet; the details are above.`);
    process.stdout.write(
      renderBanner({ url: appUrl, logins: credentials.logins, apiKey: credentials.apiKey, database: redactUrl(env.DATABASE_URL!), mode: devMode ? "development" : "production" }),
    );
    startCompanions(env, appUrl, credentials.apiKey);
  } catch (err) {
    say(`Start failed: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(embedded, 1);
  }
}

await main();
