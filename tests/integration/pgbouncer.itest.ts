// PgBouncer in transaction mode (Debian's pgbouncer) in front of a private cluster: each
// transaction may run on another server connection, and a server connection serves many
// clients in turn. Session state leaks between clients that way, which is why the monitor's
// advisory-lock lease must not go through it: two leases through the pooler both "hold" the
// lock on the one server session they share. With RUNWATCH_MONITOR_DATABASE_URL on a direct
// session, one monitor leads while ingestion and lists go through PgBouncer.
//
// The rest of the suite runs through PgBouncer too with RUNWATCH_TEST_PGBOUNCER=1 (see
// tests/setup/global-db.ts); .ci/run does that for the ingestion, list and monitor tests.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, pool } from "../../server/db/client";
import { applyMigrations } from "../../server/db/migrate";
import { type Cursor, listExecutions, listPosition } from "../../server/executions/read";
import { decodeCursor } from "../../server/paging/cursor";
import { ingestEvents } from "../../server/ingest/service";
import { LeaderLease } from "../../server/monitor/lease";
import { Monitor } from "../../server/monitor/monitor";
import { createCluster, type PgCluster } from "../setup/pg-cluster";
import { startPgBouncer, type PgBouncer } from "../setup/pgbouncer";
import { createFastOrg, executionIn, uid } from "./monitor-helpers";
import { DATABASE_ENV, saveEnv } from "../setup/saved-env";

const embedded = process.env.RUNWATCH_EMBEDDED_DB === "1";

describe.skipIf(embedded)("through PgBouncer in transaction mode", () => {
  const restoreEnv = saveEnv(DATABASE_ENV);
  let cluster: PgCluster;
  let bouncer: PgBouncer;

  beforeAll(async () => {
    cluster = await createCluster();
    await applyMigrations(cluster.url);
    bouncer = await startPgBouncer(cluster.port);
    await closeDb();
    process.env.DATABASE_URL = bouncer.url;
    process.env.RUNWATCH_MONITOR_DATABASE_URL = cluster.url;
    delete process.env.DATABASE_REPLICA_URLS;
  }, 120_000);

  afterAll(async () => {
    await closeDb();
    restoreEnv();
    await bouncer?.stop();
    await cluster?.destroy();
  });

  it("shares one server session between clients, so an advisory-lock lease through it leads twice", async () => {
    const a = new LeaderLease({ databaseUrl: bouncer.url, holder: "a", idleSessionTimeoutMs: 60_000 });
    const b = new LeaderLease({ databaseUrl: bouncer.url, holder: "b", idleSessionTimeoutMs: 60_000 });
    const c = new LeaderLease({ databaseUrl: cluster.url, holder: "c", idleSessionTimeoutMs: 60_000 });
    const d = new LeaderLease({ databaseUrl: cluster.url, holder: "d", idleSessionTimeoutMs: 60_000 });
    try {
      expect(await a.acquire()).not.toBeNull();
      // b's statements run on the server connection a's just returned to the pool, whose session
      // holds the lock: pg_try_advisory_lock re-enters it
      expect(await b.acquire()).not.toBeNull();
      expect([a.isLeader, b.isLeader]).toEqual([true, true]);
      await a.release();
      await b.release();
      // on direct sessions the second is refused
      expect(await c.acquire()).not.toBeNull();
      expect(await d.acquire()).toBeNull();
      expect([c.isLeader, d.isLeader]).toEqual([true, false]);
    } finally {
      for (const l of [a, b, c, d]) await l.release();
    }
  });

  it("ingests concurrently and lists through PgBouncer", async () => {
    expect(new URL(process.env.DATABASE_URL!).port).toBe(String(bouncer.port));
    const { orgId } = await createFastOrg();
    const ids = Array.from({ length: 30 }, () => uid("pgb"));
    const at = Date.now() - 60_000;
    // every execution's lifecycle split over concurrent calls, as engines send them
    await Promise.all(ids.map((id, i) => ingestEvents({ orgId }, { events: [{ eventId: `${id}.1`, executionId: id, workflow: `pgb.${i % 3}`, status: "RUNNING", occurredAt: new Date(at).toISOString() }] })));
    const done = await Promise.all(ids.map((id) => ingestEvents({ orgId }, { events: [{ eventId: `${id}.2`, executionId: id, status: "COMPLETED", occurredAt: new Date(at + 1_000).toISOString() }] })));
    expect(done.map((r) => r[0]!.outcome)).toEqual(ids.map(() => "applied"));
    const seen: string[] = [];
    let cursor: Cursor | null = null;
    do {
      const page = await listExecutions({ orgId }, {}, { limit: 7, cursor });
      seen.push(...page.items.map((e) => e.executionId));
      const next = page.nextCursor ? decodeCursor(page.nextCursor) : null;
      cursor = next ? listPosition(next) : null;
    } while (cursor);
    expect([...seen].sort()).toEqual([...ids].sort());
    const { rows } = await pool().query<{ completed: number }>(`SELECT count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed FROM executions WHERE "orgId" = $1`, [orgId]);
    expect(rows[0]!.completed).toBe(ids.length);
  });

  it("lets one of two monitors lead, on the direct session of RUNWATCH_MONITOR_DATABASE_URL", async () => {
    const { orgId } = await createFastOrg();
    const stuck = await executionIn(orgId, "pgb.stuck", "RUNNING", new Date(Date.now() - 3_600_000));
    const monitors = [new Monitor({ intervalMs: 1_000, failureRateEveryMs: 60_000, holder: "m1", clock: () => new Date(), orgIds: [orgId] }), new Monitor({ intervalMs: 1_000, failureRateEveryMs: 60_000, holder: "m2", clock: () => new Date(), orgIds: [orgId] })];
    try {
      const results = [];
      for (const m of monitors) results.push(await m.tick());
      expect(monitors.map((m) => m.isLeader)).toEqual([true, false]);
      expect(results[1]).toBeNull();
      expect(results[0]?.opened.map((a) => a.executionId)).toContain(stuck);
      const direct = new pg.Client({ connectionString: cluster.url });
      await direct.connect();
      try {
        const { rows } = await direct.query<{ application_name: string }>(
          `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted`,
        );
        expect(rows.map((r) => r.application_name)).toEqual(["runwatch-monitor m1"]);
      } finally {
        await direct.end();
      }
    } finally {
      for (const m of monitors) await m.stop();
    }
  });
});
