// Transactions on a dedicated pool client, retried when PostgreSQL picks them as a deadlock
// victim or fails them for serialization: both are safe to run again from the start.
import type pg from "pg";
import { metrics } from "../metrics/prometheus";
import { pool } from "./client";

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
