// Read replicas: DATABASE_REPLICA_URLS names PostgreSQL streaming replicas (comma-separated).
// Reads that tolerate a little replication lag (lists, counts, charts) may go there; writes and
// read-your-own-write paths (auth, API keys, ingestion's locks) always use the primary.
import { config, parseConfig } from "../config";

/**
 * The replica URLs from the environment, validated; [] when unset. Embedded PostgreSQL (PGlite)
 * serves exactly one connection, so replicas are ignored there.
 */
export function replicaUrls(env?: Readonly<Record<string, string | undefined>>): string[] {
  const c = env ? parseConfig(env) : config();
  return c.RUNWATCH_EMBEDDED_DB === "1" ? [] : c.DATABASE_REPLICA_URLS;
}

/** Round-robin over a fixed list; falls back to `fallback` when the list is empty. */
export function roundRobin<T>(items: readonly T[], fallback: T): () => T {
  let next = 0;
  return () => {
    if (!items.length) return fallback;
    const item = items[next % items.length]!;
    next = (next + 1) % items.length;
    return item;
  };
}
