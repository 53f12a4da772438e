// The health checks' SQL: the liveness probe, the applied migrations (readiness), and a
// replica's lag behind the primary.
import { z } from "zod";
import { defineQuery, type Queryable } from "../db/sql";

const PING = defineQuery("health.ping", `SELECT 1 AS ok`, z.object({ ok: z.literal(1) }));

/** Resolves when the database answers a statement. */
export const ping = async (db: Queryable): Promise<void> => {
  await PING.one(db, []);
};

const APPLIED_MIGRATIONS = defineQuery(
  "health.applied_migrations",
  `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  z.object({ migration_name: z.string() }),
);

/** The names of the migrations applied to completion (and not rolled back). */
export const appliedMigrations = async (db: Queryable) => (await APPLIED_MIGRATIONS.all(db, [])).map((r) => r.migration_name);

/*
 * Seconds since the last transaction the standby replayed, or 0 when it has replayed all the WAL
 * it received while still streaming (an idle primary sends no commits, so the replay timestamp
 * alone would grow without any lag). A standby cut off from its primary keeps growing: its data
 * is as old as that. On the primary itself, 0.
 */
const REPLICA_LAG = defineQuery(
  "health.replica_lag",
  `SELECT CASE
     WHEN NOT pg_is_in_recovery() THEN 0
     WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
     ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
   END::float8 AS seconds`,
  z.object({ seconds: z.number() }),
);

/** How many seconds the server behind db is behind its primary (0 on a primary). */
export const replicaLag = async (db: Queryable) => (await REPLICA_LAG.one(db, [])).seconds;
