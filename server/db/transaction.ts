// Transactions on a dedicated pool client, retried when PostgreSQL picks them as a deadlock
// victim or fails them for serialization: both are safe to run again from the start.
import pg from "pg";
import { metrics } from "../metrics/prometheus";
import { pool } from "./client";
import type { Queryable } from "./sql";

const RETRYABLE = new Set(["40P01", "40001"]);
const MAX_ATTEMPTS = 6;

export function isRetryable(err: unknown): boolean {
  return typeof err === "object" && err !== null && RETRYABLE.has((err as { code?: string }).code ?? "");
}

/** One transaction on a client of `db`: committed, or rolled back and rethrown. */
async function once<T>(db: pg.Pool, mode: "read write" | "read only", fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    if (mode === "read only") await client.query("BEGIN READ ONLY");
    else await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export async function withTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(pool(), "read write", fn);
    } catch (err) {
      if (!isRetryable(err) || attempt >= MAX_ATTEMPTS) throw err;
      metrics().transactionRetries.inc({ reason: (err as { code?: string }).code === "40P01" ? "deadlock" : "conflict" });
      await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** attempt));
    }
  }
}

/**
 * fn on one connection of `db`, in a read-only transaction begun with `setUp` (its SET LOCALs
 * end with the transaction, so the pooled connection goes back as it was). When `db` is not a
 * pool but a caller's client or transaction, fn runs on it as it is, without the settings:
 * they would outlive fn in the caller's transaction.
 */
export async function withReadSettings<T>(db: Queryable, setUp: (client: Queryable) => Promise<unknown>, fn: (client: Queryable) => Promise<T>): Promise<T> {
  if (!(db instanceof pg.Pool)) return fn(db);
  return once(db, "read only", async (client) => {
    await setUp(client);
    return fn(client);
  });
}
