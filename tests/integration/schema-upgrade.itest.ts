// A database as the previous release left it (migrated to the migration before the tenant keys,
// with rows in every table) upgrades to the current schema with every row intact; afterwards the
// new keys make deleting an organization cascade, and the new CHECK constraints hold the values
// the code writes and refuse others.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ALERT_EVENT_KINDS } from "../../server/alerts/history";
import { NOTIFICATION_TYPES } from "../../server/delivery/payload";
import { ALERT_REASONS, RESOLUTIONS } from "../../server/alerts/rules";
import { applyMigrations, diffMigrationsToSchema } from "../../server/db/migrate";
import { ORG_ACTIVITY_TABLES } from "../../server/settings/queries";
import { provisionTestDatabase, type TestDatabase } from "../setup/provision-db";

const PREVIOUS = "20261201120000_schedules_storm_grouping";
const UPGRADE = "20261201134000_tenant_foreign_keys_and_checks";

const ORG = randomUUID();
const CHANNEL = randomUUID();
const T = "2026-11-30T10:00:00.000Z";

// One row a table, using a value of every new constraint (every reason, resolution, kind and
// type the code writes); the workflow, alert and notification ids are the first of their table.
const SEED: (string | [string, unknown[]])[] = [
  `INSERT INTO users (id, name, email, "updatedAt") VALUES ('u1', 'Ada', 'ada@example.com', now())`,
  `INSERT INTO sessions (id, "expiresAt", token, "updatedAt", "userId") VALUES ('s1', now() + interval '1 day', 'tok', now(), 'u1')`,
  `INSERT INTO accounts (id, "accountId", "providerId", "userId", "updatedAt") VALUES ('a1', 'u1', 'credential', 'u1', now())`,
  `INSERT INTO verifications (id, identifier, value, "expiresAt", "updatedAt") VALUES ('v1', 'ada@example.com', 'x', now(), now())`,
  `INSERT INTO rate_limits (id, key, count, "lastRequest") VALUES ('r1', 'ip:1', 3, 1764496800000)`,
  `INSERT INTO monitor_leases (name, token, holder, "acquiredAt", "renewedAt") VALUES ('monitor', 4, 'host:1', now(), now())`,
  `INSERT INTO organizations (id, slug, name, "updatedAt") VALUES ('${ORG}', 'old-org', 'Old Org', now())`,
  `INSERT INTO memberships ("orgId", "userId", role) VALUES ('${ORG}', 'u1', 'OWNER')`,
  `INSERT INTO api_keys ("orgId", id, name, prefix, "keyHash") VALUES ('${ORG}', gen_random_uuid(), 'ci', 'rw_ab', 'hash-1')`,
  `INSERT INTO workflows ("orgId", key, name, schedule) VALUES ('${ORG}', 'billing', 'Billing', '{"everySeconds": 3600}')`,
  `INSERT INTO executions ("orgId", "executionId", "workflowId", status, "statusChangedAt", "createdAt", "lastEventAt", "completedAt", "durationMs")
   SELECT '${ORG}', 'ex-1', id, 'COMPLETED', '${T}', '${T}', '${T}', '${T}', 1200 FROM workflows`,
  `INSERT INTO execution_events ("orgId", "executionId", "eventId", type, status, attempt, "occurredAt", "receivedAt", outcome, reason)
   VALUES ('${ORG}', 'ex-1', 'ev-1', 'STATUS', 'COMPLETED', 1, '${T}', '${T}', 'APPLIED', NULL), ('${ORG}', 'ex-1', 'ev-0', 'STATUS', 'RUNNING', 1, '${T}', '${T}', 'STALE', 'older')`,
  `INSERT INTO execution_heartbeats ("orgId", "executionId", attempt, count, "firstOccurredAt", "lastOccurredAt") VALUES ('${ORG}', 'ex-1', 1, 5, '${T}', '${T}')`,
  `INSERT INTO deferred_events ("orgId", "executionId", "eventId", "receivedAt", event) VALUES ('${ORG}', 'ex-2', 'ev-9', '${T}', '{"status": "RUNNING"}')`,
  `INSERT INTO processed_events ("orgId", "eventId", "executionId", "receivedAt") VALUES ('${ORG}', 'ev-1', 'ex-1', '${T}')`,
  `INSERT INTO execution_hourly ("orgId", "workflowId", hour, status, count, "durationSumMs", histogram)
   SELECT '${ORG}', id, '2026-11-30T10:00:00Z', 'COMPLETED', 1, 1200, ARRAY[0, 1] FROM workflows`,
  `INSERT INTO audit_logs ("orgId", "actorType", "actorLabel", action, "resourceType", success) VALUES ('${ORG}', 'USER', 'ada@example.com', 'workflow.update', 'workflow', true)`,
  `INSERT INTO saved_views ("orgId", id, name, query) VALUES ('${ORG}', gen_random_uuid(), 'failed', 'status=FAILED')`,
  `INSERT INTO bulk_jobs ("orgId", action, reason, total, "createdBy") VALUES ('${ORG}', 'cancel', 'cleanup', 1, 'u1')`,
  `INSERT INTO alert_channels ("orgId", id, type, name, config, secret, "stormGrouping") VALUES ('${ORG}', '${CHANNEL}', 'SLACK', 'ops', '{"url": "https://hooks.example.com"}', 'whsec_x', true)`,
  [`INSERT INTO alert_storms ("orgId", "workflowId", reason, "alertCount") SELECT '${ORG}', id, r, 2 FROM workflows, unnest($1::text[]) AS r`, [ALERT_REASONS]],
  // one alert a reason, and one alert a resolution
  [
    `INSERT INTO alerts ("orgId", reason, "workflowId", "executionId", state, since) SELECT '${ORG}', r, w.id, 'ex-1', 'FIRING', '${T}' FROM workflows w, unnest($1::text[]) AS r`,
    [ALERT_REASONS],
  ],
  [
    `INSERT INTO alerts ("orgId", reason, "workflowId", "executionId", state, since, resolution)
     SELECT '${ORG}', 'running', w.id, 'ex-1', 'RESOLVED', '${T}'::timestamptz - n * interval '1 hour', s FROM workflows w, unnest($1::text[]) WITH ORDINALITY AS x(s, n)`,
    [RESOLUTIONS],
  ],
  [`INSERT INTO alert_events ("orgId", "alertId", kind, "actorType", "actorLabel", note) SELECT '${ORG}', (SELECT min(id) FROM alerts), k, 'SYSTEM', 'monitor', NULL FROM unnest($1::text[]) AS k`, [ALERT_EVENT_KINDS]],
  [
    `INSERT INTO notifications ("orgId", "channelId", type, "alertIds", "messageId", payload, state)
     SELECT '${ORG}', '${CHANNEL}', t, ARRAY[(SELECT min(id) FROM alerts)], 'msg_' || t, '{}', 'DELIVERED' FROM unnest($1::text[]) AS t`,
    [NOTIFICATION_TYPES],
  ],
  `INSERT INTO delivery_attempts ("orgId", "notificationId", "channelId", attempt, at, "statusCode", "latencyMs", ok)
   SELECT '${ORG}', min(id), '${CHANNEL}', 1, '${T}', 200, 40, true FROM notifications`,
  `INSERT INTO org_alert_settings ("orgId", "stormThreshold") VALUES ('${ORG}', 5)`,
  `INSERT INTO workflow_alert_settings ("orgId", "workflowId", "autoTimeoutMultiple") SELECT '${ORG}', id, 3 FROM workflows`,
];

const onServer = inject("databaseKind") === "server";

let db: TestDatabase;
let client: pg.Client;

async function tables(): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> '_prisma_migrations'
      ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/** Every row of every table as JSON, in a stable order. */
async function snapshot(): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of await tables()) {
    const { rows } = await client.query<{ row: unknown }>(`SELECT to_jsonb(x) AS row FROM "${t}" x ORDER BY to_jsonb(x)::text`);
    out[t] = rows.map((r) => r.row);
  }
  return out;
}

/** Columns later migrations renamed, by table: their new name → the name `before` knew. */
const RENAMED: Record<string, Record<string, string>> = {
  bulk_jobs: { createdByUserId: "createdBy" },
  alerts: { acknowledgedByUserId: "acknowledgedBy", resolvedByUserId: "resolvedBy" },
};

/** `now` cut to the tables and columns `before` had (by their old names): migrations after the upgrade may add both, or rename a column */
function asBefore(before: Record<string, unknown[]>, now: Record<string, unknown[]>): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [table, rows] of Object.entries(before)) {
    const columns = new Set(rows.flatMap((row) => Object.keys(row as object)));
    const old = (column: string) => RENAMED[table]?.[column] ?? column;
    out[table] = (now[table] ?? []).map((row) =>
      Object.fromEntries(Object.entries(row as object).flatMap(([column, value]) => (columns.has(old(column)) ? [[old(column), value]] : []))),
    );
  }
  return out;
}

async function checkValues(constraint: string): Promise<string[]> {
  const { rows } = await client.query<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = $1`, [constraint]);
  expect(rows, constraint).toHaveLength(1);
  return [...rows[0]!.def.matchAll(/'([^']*)'::text/g)].map((m) => m[1]!);
}

beforeAll(async () => {
  // on a server, a database of its own beside the run's; embedded, a PGlite of its own ("" and
  // not undefined, which would default to the run's DATABASE_URL)
  db = await provisionTestDatabase(onServer ? process.env.DATABASE_URL : "", { until: PREVIOUS });
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await db?.teardown();
});

describe(`upgrading from ${PREVIOUS}`, () => {
  it("keeps every row, drops only rows of a deleted organization, and adds the keys and checks", async () => {
    for (const step of SEED) await (typeof step === "string" ? client.query(step) : client.query(step[0], step[1]));
    const before = await snapshot();
    // a test that cannot fail is a defect: every table has rows to lose
    for (const [t, rows] of Object.entries(before)) expect(rows.length, t).toBeGreaterThan(0);
    // a row of an organization deleted long ago, which the old code could leave behind
    await client.query(`INSERT INTO deferred_events ("orgId", "executionId", "receivedAt", event) VALUES ($1, 'orphan', now(), '{}')`, [randomUUID()]);
    // bulk jobs as the old code wrote them: the actor's label (a user's email, or "cli")
    await client.query(`INSERT INTO bulk_jobs ("orgId", action, reason, total, "createdBy") VALUES ($1, 'cancel', 'by label', 1, 'ada@example.com'), ($1, 'cancel', 'by label', 1, 'cli')`, [ORG]);

    // every later migration applies in this step, the one with the keys and CHECKs among them
    const applied = await applyMigrations(db.url);
    expect(applied).toContain(UPGRADE);
    expect(applied.every((name) => name > PREVIOUS)).toBe(true);

    // createdBy became createdByUserId: an email names its user, anything else is no user
    const { rows: byLabel } = await client.query(`DELETE FROM bulk_jobs WHERE reason = 'by label' RETURNING "createdByUserId"`);
    expect(byLabel.map((r) => r.createdByUserId).sort()).toEqual([null, "u1"].sort());

    expect(asBefore(before, await snapshot())).toEqual(before);
    expect(await checkValues("alerts_reason_check")).toEqual([...ALERT_REASONS]);
    expect(await checkValues("alert_storms_reason_check")).toEqual([...ALERT_REASONS]);
    expect(await checkValues("alerts_resolution_check")).toEqual([...RESOLUTIONS]);
    expect(await checkValues("alert_events_kind_check")).toEqual([...ALERT_EVENT_KINDS]);
    expect(await checkValues("notifications_type_check")).toEqual([...NOTIFICATION_TYPES]);
  });

  it("refuses a value the code never writes", async () => {
    await expect(client.query(`UPDATE alerts SET resolution = 'resolved' WHERE resolution IS NOT NULL`)).rejects.toMatchObject({ code: "23514" });
    await expect(client.query(`UPDATE alert_events SET kind = 'note'`)).rejects.toMatchObject({ code: "23514" });
    await expect(client.query(`UPDATE notifications SET type = 'alert.fired'`)).rejects.toMatchObject({ code: "23514" });
    await expect(client.query(`UPDATE alert_storms SET reason = 'stuck'`)).rejects.toMatchObject({ code: "23514" });
  });

  it("refuses a tenant row without its organization", async () => {
    await expect(
      client.query(`INSERT INTO processed_events ("orgId", "eventId", "executionId") VALUES ($1, 'e', 'x')`, [randomUUID()]),
    ).rejects.toMatchObject({ code: "23503" });
  });

  it("deletes every row of an organization but its audit log with one DELETE", async () => {
    await client.query(`DELETE FROM organizations WHERE id = $1`, [ORG]);
    const left: Record<string, number> = {};
    for (const t of await tables()) {
      const hasOrg = await client.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND column_name = 'orgId'`, [t]);
      if (!hasOrg.rows.length) continue;
      left[t] = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${t}" WHERE "orgId" = $1`, [ORG])).rows[0]!.n;
    }
    const { audit_logs: kept, ...rest } = left;
    expect(kept).toBe(1);
    expect(Object.values(rest).every((n) => n === 0), JSON.stringify(rest)).toBe(true);
    // the deletion's report counts the tables that cascade besides the ones Prisma always knew
    expect(Object.keys(rest)).toEqual(expect.arrayContaining([...ORG_ACTIVITY_TABLES]));
  });
});

describe("prisma/schema.prisma", () => {
  // db:diff replays the migrations in a shadow database and describes it, CHECK constraints and
  // the partitioned timeline's keys included: only the hand-written indexes (prisma/README.md)
  // may be missing from the schema
  // the diff's shadow database is a second database, which embedded PGlite cannot hold
  it.skipIf(!onServer)("says what the migrations build, but for the hand-written indexes", async () => {
    const sql = await diffMigrationsToSchema(process.env.DATABASE_URL!);
    const statements = sql.split("\n").filter((l) => l.trim() && !l.startsWith("--"));
    expect(statements.filter((l) => !/^DROP INDEX "[^"]+";$/.test(l))).toEqual([]);
  }, 60_000);
});
