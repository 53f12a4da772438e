// A real streaming replica: a private PostgreSQL 15 primary and a hot standby made of it with
// pg_basebackup -R (own data directory and port), named in DATABASE_REPLICA_URLS. A standby is
// read-only, so any write routed to it fails; pausing its WAL replay holds it at an older state,
// which shows which reads go where: lists, counts and charts show the replica's state, ingestion
// and the monitor work on the primary's, and a row written on the primary appears in a replica
// read once replay catches up.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getExecutionCharts } from "../../server/aggregates/charts";
import { closeDb, replicaPools } from "../../server/db/client";
import { applyMigrations } from "../../server/db/migrate";
import { replicaLag } from "../../server/health/queries";
import { replicaLagSeconds } from "../../server/health/replica-lag";
import { countExecutionsCapped, getExecution, listExecutions } from "../../server/executions/read";
import { ingestEvents } from "../../server/ingest/service";
import { Monitor } from "../../server/monitor/monitor";
import { createCluster, createReplica, type PgCluster } from "../setup/pg-cluster";
import { createFastOrg, executionIn, uid, waitFor } from "./monitor-helpers";
import { DATABASE_ENV, saveEnv } from "../setup/saved-env";

const embedded = process.env.RUNWATCH_EMBEDDED_DB === "1";

describe.skipIf(embedded)("a streaming replica (pg_basebackup -R) in DATABASE_REPLICA_URLS", () => {
  const restoreEnv = saveEnv(DATABASE_ENV);
  let primary: PgCluster;
  let replica: PgCluster;
  /** a superuser session on the standby, to pause and resume its replay */
  let standby: pg.Client;
  let orgId: string;

  const pauseReplay = () => standby.query(`SELECT pg_wal_replay_pause()`);
  const resumeReplay = () => standby.query(`SELECT pg_wal_replay_resume()`);
  const listed = async () => (await listExecutions({ orgId }, {}, { limit: 100, cursor: null })).items.map((e) => e.executionId);

  beforeAll(async () => {
    primary = await createCluster();
    await applyMigrations(primary.url);
    replica = await createReplica(primary);
    standby = new pg.Client({ connectionString: replica.url });
    await standby.connect();
    await closeDb();
    process.env.DATABASE_URL = primary.url;
    process.env.DATABASE_REPLICA_URLS = replica.url;
    delete process.env.RUNWATCH_MONITOR_DATABASE_URL;
    orgId = (await createFastOrg()).orgId;
    // the organization reaches the standby before the tests pause it
    await waitFor(async () => (await standby.query(`SELECT 1 FROM organizations WHERE id = $1`, [orgId])).rowCount, { what: "the organization on the replica" });
  }, 120_000);

  afterAll(async () => {
    await closeDb();
    restoreEnv();
    await standby?.end().catch(() => {});
    await replica?.destroy();
    await primary?.destroy();
  });

  it("is a hot standby streaming from the primary, and refuses writes", async () => {
    const [pool] = replicaPools();
    expect(replicaPools()).toHaveLength(1);
    expect((await pool!.query<{ r: boolean }>(`SELECT pg_is_in_recovery() AS r`)).rows[0]!.r).toBe(true);
    const p = new pg.Client({ connectionString: primary.url });
    await p.connect();
    try {
      const { rows } = await p.query<{ state: string }>(`SELECT state FROM pg_stat_replication`);
      expect(rows).toEqual([{ state: "streaming" }]);
    } finally {
      await p.end();
    }
    await expect(pool!.query(`UPDATE organizations SET name = name WHERE id = $1`, [orgId])).rejects.toThrow(/read-only transaction/);
  });

  it("ingests on the primary while lists, counts and charts read the replica's older state", async () => {
    const before = await getExecutionCharts({ orgId }, { from: new Date(Date.now() - 3_600_000) });
    await pauseReplay();
    try {
      const id = uid("replica");
      const at = Date.now() - 60_000;
      // two calls: the second reads the first's write, which only the primary has
      const first = await ingestEvents({ orgId }, { events: [{ eventId: `${id}.1`, executionId: id, workflow: "replica.flow", status: "RUNNING", occurredAt: new Date(at).toISOString() }] });
      const second = await ingestEvents({ orgId }, { events: [{ eventId: `${id}.2`, executionId: id, status: "COMPLETED", occurredAt: new Date(at + 1_000).toISOString() }] });
      expect([first[0]!.outcome, second[0]!.outcome]).toEqual(["applied", "applied"]);
      expect((await getExecution({ orgId }, id))?.status).toBe("COMPLETED");

      // the standby received the WAL but has not replayed it: it is behind, and says so
      const lag = await waitFor(async () => ((await replicaLagSeconds()) ?? 0) > 0 || null, { what: "a replica lag above 0" });
      expect(lag).toBe(true);
      expect(await listed()).not.toContain(id);
      expect((await countExecutionsCapped({ orgId }, {})).count).toBe(0);
      expect((await getExecutionCharts({ orgId }, { from: new Date(Date.now() - 3_600_000) })).points).toEqual(before.points);

      await resumeReplay();
      // a row written on the primary appears in a replica read after the lag
      await waitFor(async () => (await listed()).includes(id) || null, { what: "the execution in a replica read" });
      expect((await countExecutionsCapped({ orgId }, {})).count).toBe(1);
      const after = await getExecutionCharts({ orgId }, { from: new Date(Date.now() - 3_600_000) });
      expect(after.points.reduce((n, p) => n + p.counts.COMPLETED, 0)).toBe(1);
      await waitFor(async () => (await replicaLagSeconds()) === 0 || null, { what: "the replica caught up" });
    } finally {
      await resumeReplay();
    }
  });

  it("runs the monitor's lease and sweep on the primary", async () => {
    const stuck = await executionIn(orgId, "replica.stuck", "RUNNING", new Date(Date.now() - 3_600_000));
    await pauseReplay();
    try {
      const monitor = new Monitor({ intervalMs: 1_000, failureRateEveryMs: 60_000, clock: () => new Date(), orgIds: [orgId] });
      try {
        const result = await monitor.tick();
        expect(monitor.isLeader).toBe(true);
        expect(result?.opened.map((a) => a.executionId)).toContain(stuck);
      } finally {
        await monitor.stop();
      }
      const { rows } = await standby.query(`SELECT 1 FROM alerts WHERE "orgId" = $1`, [orgId]);
      expect(rows).toHaveLength(0);
    } finally {
      await resumeReplay();
    }
    await waitFor(async () => (await standby.query(`SELECT 1 FROM alerts WHERE "orgId" = $1`, [orgId])).rowCount || null, { what: "the alert on the replica" });
    expect(await replicaLag(standby)).toBeGreaterThanOrEqual(0);
  });
});
