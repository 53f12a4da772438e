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

export async function withTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool().connect();
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      if (!isRetryable(err) || attempt >= MAX_ATTEMPTS) throw err;
      metrics().transactionRetries.inc({ reason: (err as { code?: string }).code === "40P01" ? "deadlock" : "conflict" });
      await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** attempt));
    } finally {
      client.release();
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
  const client = await db.connect();
  try {
    await client.query("BEGIN READ ONLY");
    await setUp(client);
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
