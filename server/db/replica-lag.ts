// How far the read replicas (DATABASE_REPLICA_URLS) are behind the primary, for the UI's lag
// banner: lists, counts and charts read there, so a lagging replica shows an older state.
import type pg from "pg";
import { log } from "../log";
import { replicaPools } from "./client";

/** Above this many seconds behind, the UI says that lists and charts may be out of date. */
export const REPLICA_LAG_WARN_SECONDS = 5;

/**
 * Seconds since the last transaction the standby replayed, or 0 when it has replayed all the WAL
 * it received while still streaming (an idle primary sends no commits, so the replay timestamp
 * alone would grow without any lag). A standby cut off from its primary keeps growing: its data
 * is as old as that.
 */
export const REPLICA_LAG_SQL = `
  SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
    ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
  END::float8 AS seconds`;

/**
 * The largest lag among the replicas in seconds, or null without replicas. A replica that does
 * not answer is left out here: its reads fail on their own, with the outage error.
 */
export async function replicaLagSeconds(pools: readonly pg.Pool[] = replicaPools()): Promise<number | null> {
  if (!pools.length) return null;
  const lags = await Promise.all(
    pools.map((p) =>
      p.query<{ seconds: number }>(REPLICA_LAG_SQL).then(
        (r) => r.rows[0]!.seconds,
        (err: Error) => {
          log.warn({ err: err.message }, "replica lag: a replica did not answer");
          return 0;
        },
      ),
    ),
  );
  return Math.max(...lags);
}
