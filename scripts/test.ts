// `npm test`: the whole suite in one command, in order, stopping at the first failure:
// generate → build the SDK → typecheck → lint → unit → integration → next build → e2e (Playwright).
// The last line of output is "N passed, N failed", totalled over vitest and Playwright.
//
// Databases: the integration tests provision their own (tests/setup/global-db.ts). For e2e this
// script provisions one the same way (a fresh database on DATABASE_URL's server, or embedded
// PostgreSQL when DATABASE_URL is unset), migrates and seeds it, and hands it to Playwright,
// whose webServer runs the production server (scripts/serve.ts) against it.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { provisionTestDatabase, type TestDatabase } from "../tests/setup/provision-db";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const resultsDir = path.join(root, ".runwatch", "test-results");

type Counts = { passed: number; failed: number };
type StepResult = { name: string; ok: boolean; ms: number; counts?: Counts; note?: string };

const E2E_DEMO_EXECUTIONS = Number(process.env.E2E_DEMO_EXECUTIONS ?? 300);

const results: StepResult[] = [];
const totals: Counts = { passed: 0, failed: 0 };

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: "inherit" });
    child.on("error", (err) => {
      console.error(`cannot start ${command}: ${err.message}`);
      resolve(127);
    });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch {
    return null;
  }
}

async function vitestCounts(file: string): Promise<Counts | undefined> {
  const json = await readJson<{ numPassedTests: number; numFailedTests: number }>(file);
  return json ? { passed: json.numPassedTests, failed: json.numFailedTests } : undefined;
}

async function playwrightCounts(file: string): Promise<Counts | undefined> {
  const json = await readJson<{ stats: { expected: number; unexpected: number; flaky: number } }>(file);
  return json ? { passed: json.stats.expected + json.stats.flaky, failed: json.stats.unexpected } : undefined;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

function banner(name: string) {
  console.log(`\n━━ ${name} ${"━".repeat(Math.max(3, 60 - name.length))}`);
}

async function step(name: string, body: () => Promise<{ ok: boolean; counts?: Counts; note?: string }>): Promise<void> {
  banner(name);
  const started = performance.now();
  let outcome: { ok: boolean; counts?: Counts; note?: string };
  try {
    outcome = await body();
  } catch (err) {
    console.error(err);
    outcome = { ok: false, note: err instanceof Error ? err.message.split("\n")[0] : String(err) };
  }
  const result: StepResult = { name, ms: performance.now() - started, ...outcome };
  // a failed step that reported no failing test (a crash, a setup error, a type error) still
  // counts once, so a failing run never ends with "0 failed"
  if (result.counts) {
    totals.passed += result.counts.passed;
    totals.failed += result.counts.failed;
  }
  if (!result.ok && !(result.counts && result.counts.failed > 0)) totals.failed += 1;
  results.push(result);
  console.log(`${result.ok ? "✓" : "✗"} ${name} (${seconds(result.ms)})`);
  if (!result.ok) finish(1);
}

function finish(code: number): never {
  console.log("\n━━ summary " + "━".repeat(52));
  for (const r of results) {
    const counts = r.counts ? `  ${r.counts.passed} passed, ${r.counts.failed} failed` : "";
    const note = r.note ? `  (${r.note})` : "";
    console.log(`${r.ok ? "✓" : "✗"} ${r.name.padEnd(12)} ${seconds(r.ms).padStart(7)}${counts}${note}`);
  }
  console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
  process.exit(code);
}

const command = (cmd: string, args: string[], env?: NodeJS.ProcessEnv) => async () => ({ ok: (await run(cmd, args, env)) === 0 });

async function vitest(project: "unit" | "integration") {
  const out = path.join(resultsDir, `${project}.json`);
  await rm(out, { force: true });
  const code = await run("npx", ["vitest", "run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile.json=${out}`]);
  return { ok: code === 0, counts: await vitestCounts(out) };
}

/** Demo data for the browser tests: the demo seed when it exists, else a minimal organization. */
async function seed(databaseUrl: string): Promise<string> {
  // the app's db client reads DATABASE_URL on first use, so set it before importing anything
  process.env.DATABASE_URL = databaseUrl;
  const { closeDb, prisma } = await import("../server/db/client");
  try {
    if (existsSync(path.join(root, "server", "demo", "seed.ts"))) {
      const mod = (await import("../server/demo/seed" as string)) as { seedDemo?: (opts?: { executions?: number }) => Promise<unknown> };
      if (typeof mod.seedDemo === "function") {
        // a few hundred executions show every state and keep the seed fast, on PGlite too
        await mod.seedDemo({ executions: E2E_DEMO_EXECUTIONS });
        return `seedDemo({ executions: ${E2E_DEMO_EXECUTIONS} })`;
      }
    }
    const { ingestEvents } = await import("../server/ingest/service");
    const org = await prisma().organization.upsert({ where: { slug: "demo" }, create: { slug: "demo", name: "Demo" }, update: {}, select: { id: true } });
    const t0 = Date.now() - 10 * 60_000;
    const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
    const events = [
      { executionId: "demo-exec-1", status: "PENDING", occurredAt: at(0) },
      { executionId: "demo-exec-1", status: "RUNNING", occurredAt: at(1) },
      { executionId: "demo-exec-1", status: "COMPLETED", occurredAt: at(3) },
      { executionId: "demo-exec-2", status: "PENDING", occurredAt: at(4) },
      { executionId: "demo-exec-2", status: "RUNNING", occurredAt: at(5) },
      { executionId: "demo-exec-2", status: "FAILED", occurredAt: at(6), error: { message: "card declined" } },
      { executionId: "demo-exec-3", status: "PENDING", occurredAt: at(7) },
      { executionId: "demo-exec-3", status: "RUNNING", occurredAt: at(8) },
      { executionId: "demo-exec-4", status: "PENDING", occurredAt: at(9) },
    ].map((e, i) => ({ eventId: `demo-seed-${i}`, workflow: "demo.orders", ...e }));
    const outcomes = await ingestEvents({ orgId: org.id }, { events });
    const notApplied = outcomes.filter((o) => o.outcome !== "applied");
    if (notApplied.length) throw new Error(`seed events not applied: ${JSON.stringify(notApplied)}`);
    return `minimal demo org (${events.length} events)`;
  } finally {
    await closeDb();
  }
}

async function e2e() {
  const out = path.join(resultsDir, "e2e.json");
  await rm(out, { force: true });
  let db: TestDatabase | undefined;
  try {
    db = await provisionTestDatabase();
    const seeded = await seed(db.url);
    console.log(`e2e database: ${db.kind}, migrated, seeded with ${seeded}`);
    // the production server runs with NODE_ENV=production, where better-auth needs a real secret: one per run
    const env = {
      ...process.env,
      DATABASE_URL: db.url,
      PLAYWRIGHT_JSON_OUTPUT_NAME: out,
      BETTER_AUTH_SECRET: process.env.BETTER_AUTH_SECRET ?? randomBytes(32).toString("base64url"),
      // every browser test signs in from 127.0.0.1; a worker restarted after one failure signs
      // every role in again, and the limit of 10 a minute would fail the tests after it too
      // (the limit itself is tested in tests/integration/auth.itest.ts)
      RUNWATCH_SIGNIN_ATTEMPTS_PER_MINUTE: process.env.RUNWATCH_SIGNIN_ATTEMPTS_PER_MINUTE ?? "200",
    };
    const code = await run("npx", ["playwright", "test", "--reporter=list,json"], env);
    return { ok: code === 0, counts: await playwrightCounts(out), note: db.kind === "embedded" ? "embedded PostgreSQL" : undefined };
  } finally {
    await db?.teardown().catch((err) => console.error("could not drop the e2e database:", err));
  }
}

const STEPS: [string, () => Promise<{ ok: boolean; counts?: Counts; note?: string }>][] = [
  ["generate", command("npm", ["run", "--silent", "generate"])],
  // the integration tests import @runwatch/node as users do: its built dist/
  ["sdk", command("npm", ["run", "--silent", "build", "--workspace", "sdk"])],
  ["typecheck", command("npm", ["run", "--silent", "typecheck"])],
  ["lint", command("npm", ["run", "--silent", "lint"])],
  ["unit", () => vitest("unit")],
  ["integration", () => vitest("integration")],
  ["build", command("npx", ["next", "build"], { ...process.env, NEXT_TELEMETRY_DISABLED: "1" })],
  ["e2e", e2e],
];

async function main() {
  // `npm test -- --from=build` resumes at a step while iterating; a full run starts at the top
  const from = process.argv.find((a) => a.startsWith("--from="))?.slice("--from=".length);
  const start = from ? STEPS.findIndex(([name]) => name === from) : 0;
  if (start < 0) {
    console.error(`unknown step ${JSON.stringify(from)}; steps: ${STEPS.map(([name]) => name).join(", ")}`);
    process.exit(2);
  }
  if (start > 0) console.log(`skipping ${STEPS.slice(0, start).map(([name]) => name).join(", ")}`);
  await mkdir(resultsDir, { recursive: true });
  for (const [name, body] of STEPS.slice(start)) await step(name, body);
  finish(0);
}

void main();
