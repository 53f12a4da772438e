// How far the read replicas (DATABASE_REPLICA_URLS) are behind the primary, for the UI's lag
// banner: lists, counts and charts read there, so a lagging replica shows an older state.
import type pg from "pg";
import { replicaPools } from "../db/client";
import { log } from "../log";
import { replicaLag } from "./queries";

/** Above this many seconds behind, the UI says that lists and charts may be out of date. */
export const REPLICA_LAG_WARN_SECONDS = 5;

/**
 * The largest lag among the replicas in seconds, or null without replicas. A replica that does
 * not answer is left out here: its reads fail on their own, with the outage error.
 */
export async function replicaLagSeconds(pools: readonly pg.Pool[] = replicaPools()): Promise<number | null> {
  if (!pools.length) return null;
  const lags = await Promise.all(
    pools.map((p) =>
      replicaLag(p).catch((err: Error) => {
        log.warn({ err: err.message }, "replica lag: a replica did not answer");
        return 0;
      }),
    ),
  );
  return Math.max(...lags);
}
