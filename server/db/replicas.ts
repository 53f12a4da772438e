// Read replicas: DATABASE_REPLICA_URLS names PostgreSQL streaming replicas (comma-separated).
// Reads that tolerate a little replication lag (lists, counts, charts) may go there; writes and
// read-your-own-write paths (auth, API keys, ingestion's locks) always use the primary.
import { z } from "zod";

const urlSchema = z.string().regex(/^postgres(ql)?:\/\//, "each entry must be a postgresql:// URL");

/**
 * The replica URLs from the environment, validated; [] when unset. Embedded PostgreSQL (PGlite)
 * serves exactly one connection, so replicas are ignored there.
 */
export function replicaUrls(env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const raw = env.DATABASE_REPLICA_URLS?.trim();
  if (!raw || env.RUNWATCH_EMBEDDED_DB === "1") return [];
  const urls = raw.split(",").map((u) => u.trim()).filter(Boolean);
  urls.forEach((u, i) => {
    const parsed = urlSchema.safeParse(u);
    if (!parsed.success) {
      throw new Error(
        `Invalid configuration:\n  DATABASE_REPLICA_URLS: entry ${i + 1} is not a postgresql:// URL; ` +
          "write e.g. DATABASE_REPLICA_URLS=postgresql://runwatch@replica-1:5432/runwatch,postgresql://runwatch@replica-2:5432/runwatch",
      );
    }
  });
  return urls;
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
