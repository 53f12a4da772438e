// The command line of CONTRACT.md §4, run as operators run it (`bin/runwatch.js` in a child
// process) against a fresh database of its own on a real PostgreSQL server.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { verifyPassword } from "better-auth/crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRealServer, withDatabase } from "../setup/provision-db";

const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const bin = path.join(projectRoot, "bin", "runwatch.js");


const serverUrl = await findRealServer();
const databaseName = `rw_cli_test_${randomBytes(5).toString("hex")}`;
const databaseUrl = serverUrl ? withDatabase(serverUrl, databaseName) : "";

type Run = { code: number; stdout: string; stderr: string; json: Record<string, unknown> | null };

/** Runs `runwatch …` and parses the last stdout line as JSON when it is one. */
function runwatch(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: projectRoot, env: { ...process.env, DATABASE_URL: databaseUrl, RUNWATCH_DB_POOL_SIZE: "2" }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const lastLine = stdout.trimEnd().split("\n").at(-1) ?? "";
        let json: Record<string, unknown> | null = null;
        try {
          json = JSON.parse(lastLine) as Record<string, unknown>;
        } catch {
          json = null;
        }
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr, json });
      },
    );
  });
}

/** The contract's failure shape: non-zero, and exactly one line on stderr. */
function expectOneLineFailure(run: Run, mentions: RegExp) {
  expect(run.code).not.toBe(0);
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(mentions);
  expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

let db: pg.Client;

describe.skipIf(!serverUrl)("runwatch CLI (needs a PostgreSQL server: DATABASE_URL or 127.0.0.1:5432)", () => {
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: serverUrl! });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${databaseName}"`);
    await admin.end();
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end().catch(() => {});
    if (!serverUrl) return;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await admin.end();
  });

  it("migrate applies the migrations once", async () => {
    const first = await runwatch("migrate", "--json");
    expect(first.code).toBe(0);
    expect(first.json).toMatchObject({ ok: true });
    expect((first.json!.applied as string[]).length).toBeGreaterThan(0);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM organizations`);
    expect(rows[0].n).toBe(0);

    const again = await runwatch("migrate", "--json");
    expect(again.code).toBe(0);
    expect(again.json).toEqual({ ok: true, applied: [] });
  }, 60_000);

  it("org create creates an organization and refuses a duplicate slug", async () => {
    const created = await runwatch("org", "create", "acme", "--name", "Acme Inc", "--json");
    expect(created.code).toBe(0);
    expect(created.json).toMatchObject({ slug: "acme", name: "Acme Inc" });
    const { rows } = await db.query(`SELECT id, name FROM organizations WHERE slug = 'acme'`);
    expect(rows).toEqual([{ id: created.json!.id, name: "Acme Inc" }]);
    // the creation is the organization's first audit entry, written with it
    const audit = async () => (await db.query(`SELECT action, "resourceId", "actorType", "actorLabel", after, success FROM audit_logs WHERE "orgId" = $1`, [created.json!.id])).rows;
    expect(await audit()).toEqual([{ action: "org.create", resourceId: created.json!.id, actorType: "SYSTEM", actorLabel: "cli", after: { slug: "acme", name: "Acme Inc" }, success: true }]);

    expectOneLineFailure(await runwatch("org", "create", "acme"), /already exists/);
    expectOneLineFailure(await runwatch("org", "create", "Not_A_Slug"), /slug/);
    // a refused creation changed nothing, and left nothing in the log
    expect(await db.query(`SELECT count(*)::int AS n FROM organizations WHERE slug = 'acme'`).then((r) => r.rows[0].n)).toBe(1);
    expect(await audit()).toHaveLength(1);
  });

  it("user create makes a user who can sign in, and adds or updates memberships", async () => {
    const created = await runwatch("user", "create", "Ana@Example.com", "--password", "correct horse", "--org", "acme", "--role", "OPERATOR", "--json");
    expect(created.code).toBe(0);
    expect(created.json).toMatchObject({ email: "ana@example.com", created: true, membership: { org: "acme", role: "OPERATOR" } });

    const { rows: accounts } = await db.query(
      `SELECT a."providerId", a."accountId", a.password, u.id FROM accounts a JOIN users u ON u.id = a."userId" WHERE u.email = 'ana@example.com'`,
    );
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ providerId: "credential", accountId: accounts[0].id });
    expect(await verifyPassword({ hash: accounts[0].password, password: "correct horse" })).toBe(true);

    const promoted = await runwatch("user", "create", "ana@example.com", "--org", "acme", "--role", "admin", "--json");
    expect(promoted.code).toBe(0);
    const { rows: memberships } = await db.query(`SELECT m.role FROM memberships m JOIN users u ON u.id = m."userId" WHERE u.email = 'ana@example.com'`);
    expect(memberships).toEqual([{ role: "ADMIN" }]);
    // each membership change is audited as the system user "cli", with the roles before and after
    const { rows: audit } = await db.query(
      `SELECT a.action, a."actorType", a."actorLabel", a.before, a.after FROM audit_logs a JOIN organizations o ON o.id = a."orgId"
        WHERE o.slug = 'acme' AND a."resourceType" = 'membership' AND a."resourceId" = $1 ORDER BY a.id`,
      [accounts[0].id],
    );
    expect(audit).toEqual([
      { action: "member.add", actorType: "SYSTEM", actorLabel: "cli", before: null, after: expect.objectContaining({ role: "OPERATOR" }) },
      { action: "member.change_role", actorType: "SYSTEM", actorLabel: "cli", before: expect.objectContaining({ role: "OPERATOR" }), after: expect.objectContaining({ role: "ADMIN" }) },
    ]);

    expectOneLineFailure(await runwatch("user", "create", "bob@example.com", "--password", "correct horse", "--org", "acme", "--role", "KING"), /role/);
    expectOneLineFailure(await runwatch("user", "create", "carol@example.com", "--password", "correct horse", "--org", "nope", "--role", "VIEWER"), /nope/);
    const { rows: nobody } = await db.query(`SELECT email FROM users WHERE email IN ('bob@example.com', 'carol@example.com')`);
    expect(nobody).toEqual([]);
  });

  it("apikey create prints a key whose hash alone is stored", async () => {
    const run = await runwatch("apikey", "create", "--org", "acme", "--name", "ci", "--json");
    expect(run.code).toBe(0);
    const key = run.json!.key as string;
    expect(key).toMatch(/^rw_[A-Za-z0-9_-]{32,}$/);

    const { rows } = await db.query(`SELECT k.* FROM api_keys k JOIN organizations o ON o.id = k."orgId" WHERE o.slug = 'acme' AND k.name = 'ci'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].keyHash).toBe(createHash("sha256").update(key).digest("hex"));
    expect(JSON.stringify(rows[0])).not.toContain(key);

    expectOneLineFailure(await runwatch("apikey", "create", "--json"), /--org/);
  });

  it("channel create stores a webhook channel and prints its signing secret", async () => {
    const run = await runwatch("channel", "create", "--org", "acme", "--type", "webhook", "--url", "https://hooks.example.com/runwatch", "--json");
    expect(run.code).toBe(0);
    expect(run.json!.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const { rows } = await db.query(`SELECT type, config, secret FROM alert_channels WHERE id = $1`, [run.json!.id]);
    expect(rows).toEqual([{ type: "WEBHOOK", config: { url: "https://hooks.example.com/runwatch" }, secret: run.json!.secret }]);

    expectOneLineFailure(await runwatch("channel", "create", "--org", "acme", "--type", "webhook", "--url", "ftp://example.com"), /http/);

    // grouping is off for webhooks unless asked for
    expect(run.json!.stormGrouping).toBe(false);
    const grouped = await runwatch("channel", "create", "--org", "acme", "--type", "webhook", "--url", "https://hooks.example.com/b", "--storm-grouping", "on", "--json");
    expect(grouped.json!.stormGrouping).toBe(true);
    expectOneLineFailure(await runwatch("channel", "create", "--org", "acme", "--type", "webhook", "--url", "https://x.example.com", "--storm-grouping", "maybe"), /--storm-grouping/);
  });

  it("workflow schedule sets a cron schedule (creating the workflow), replaces it with --every, clears it, and names a bad flag", async () => {
    const set = await runwatch("workflow", "schedule", "nightly.export", "--org", "acme", "--cron", "30 2 * * *", "--tz", "Europe/Berlin", "--grace", "900", "--json");
    expect(set.code, set.stderr).toBe(0);
    expect(set.json).toMatchObject({ workflow: "nightly.export", created: true, schedule: { cron: "30 2 * * *", timezone: "Europe/Berlin", graceSeconds: 900 } });
    const row = async () =>
      (await db.query(`SELECT schedule, "scheduleSetAt" FROM workflows WHERE key = 'nightly.export' AND "orgId" = (SELECT id FROM organizations WHERE slug = 'acme')`)).rows[0];
    expect((await row()).schedule).toEqual({ cron: "30 2 * * *", timezone: "Europe/Berlin", graceSeconds: 900 });
    expect((await runwatch("workflow", "schedule", "nightly.export", "--org", "acme", "--every", "3600", "--json")).json).toMatchObject({ created: false, schedule: { everySeconds: 3600 } });
    const cleared = await runwatch("workflow", "schedule", "nightly.export", "--org", "acme", "--clear", "--json");
    expect(cleared.json).toMatchObject({ schedule: null });
    expect(await row()).toEqual({ schedule: null, scheduleSetAt: null });
    const { rows: audit } = await db.query(`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'workflow.update' AND "resourceId" = 'nightly.export' AND "actorLabel" = 'cli'`);
    expect(audit[0].n).toBe(3);

    expectOneLineFailure(await runwatch("workflow", "schedule", "nightly.export", "--org", "acme", "--cron", "0 * * * *", "--tz", "Nowhere/Land"), /--tz: unknown time zone/);
    expectOneLineFailure(await runwatch("workflow", "schedule", "nightly.export", "--org", "acme", "--cron", "99 * * * *"), /--cron: not a valid cron expression/);
    expectOneLineFailure(await runwatch("workflow", "schedule", "nightly.export", "--org", "acme", "--every", "60", "--clear"), /exactly one of/);
  }, 120_000); // seven CLI processes, each starting tsx

  it("seed-demo seeds once, and verify checks the counters and names a tampered one", async () => {
    const seeded = await runwatch("seed-demo", "--json");
    expect(seeded.code, seeded.stderr).toBe(0);
    expect(seeded.json).toMatchObject({ seeded: true, org: "demo" });
    expect(seeded.json!.executions as number).toBeGreaterThan(2000);
    expect((await runwatch("seed-demo", "--json")).json).toMatchObject({ seeded: false });

    const ok = await runwatch("verify", "--json");
    expect(ok.code).toBe(0);
    expect(ok.json).toMatchObject({ ok: true, differences: [] });
    expect(ok.json!.workflows as number).toBeGreaterThanOrEqual(5);

    await db.query(
      `UPDATE workflows SET "failureCount" = "failureCount" + 1 WHERE key = 'email.digest' AND "orgId" = (SELECT id FROM organizations WHERE slug = 'demo')`,
    );
    const tampered = await runwatch("verify", "--org", "demo", "--json");
    expectOneLineFailure(tampered, /email\.digest.*failureCount/);
    expect(tampered.code).toBe(1);
    expect(tampered.json).toMatchObject({ ok: false, differences: [{ workflow: "email.digest", counter: "failureCount" }] });
    const diff = (tampered.json!.differences as { stored: number; actual: number }[])[0]!;
    expect(diff.stored).toBe(diff.actual + 1);
  }, 60_000);

  it("verify names a corrupted rollup row, repair rebuilds it and the counters, verify is then clean", async () => {
    const demo = `(SELECT id FROM organizations WHERE slug = 'demo')`;
    await db.query(`UPDATE org_execution_totals SET count = count + 7 WHERE "orgId" = ${demo} AND status = 'FAILED' AND count > 0 AND shard = (
      SELECT min(shard) FROM org_execution_totals WHERE "orgId" = ${demo} AND status = 'FAILED' AND count > 0)`);
    const corrupted = await runwatch("verify", "--org", "demo", "--json");
    expectOneLineFailure(corrupted, /org_execution_totals of demo at FAILED shard \d+/);
    expect(corrupted.code).toBe(1);
    // the counter the test above tampered with is still named beside it
    expect(corrupted.json).toMatchObject({ ok: false, differences: [{ workflow: "email.digest" }], rollupDifferences: [{ table: "org_execution_totals" }] });

    const repaired = await runwatch("repair", "--org", "demo", "--json");
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.json).toMatchObject({ workflowsRepaired: 1 });
    const clean = await runwatch("verify", "--org", "demo", "--json");
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.json).toMatchObject({ ok: true, differences: [], rollupDifferences: [] });
  }, 60_000);
});
