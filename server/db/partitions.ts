// Monthly partitions of the execution timeline (execution_events_YYYY_MM, UTC months) and
// retention by dropping whole partitions. Partition names are computed from dates, so this is
// code rather than a migration (the schema engine cannot run PL/pgSQL bodies).
import pg from "pg";

export const MONTHS_AHEAD = 12;

export function monthStart(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

export function addMonths(d: Date, n: number): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
}

export function partitionName(month: Date): string {
  return `execution_events_${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** The months from `from` to `to`, inclusive, as their first instants. */
export function monthsBetween(from: Date, to: Date): Date[] {
  const months: Date[] = [];
  for (let m = monthStart(from); m <= to; m = addMonths(m, 1)) months.push(m);
  return months;
}

import type { Queryable } from "./sql";

async function isPartitioned(db: Queryable): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass('execution_events')`);
  return rows.length > 0;
}

async function existingPartitions(db: Queryable): Promise<Set<string>> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass('execution_events')`,
  );
  return new Set(rows.map((r) => r.name));
}

/**
 * Makes sure every month from the oldest row waiting in the default partition (or the current
 * month) to MONTHS_AHEAD months ahead has its partition. A month whose rows sit in the default
 * partition gets them moved into its new partition, in one transaction. `since` also covers
 * the months of a bulk load about to happen. Returns the partitions created.
 */
export async function ensureEventPartitions(databaseUrl: string, now = new Date(), since?: Date): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  // a lost connection fails the query in flight; without a listener it would crash the process
  client.on("error", () => {});
  await client.connect();
  try {
    if (!(await isPartitioned(client))) return [];
    const existing = await existingPartitions(client);
    const { rows } = await client.query<{ oldest: Date | null }>(`SELECT min("receivedAt") AS oldest FROM execution_events_default`);
    // from the earliest of: rows waiting in the default partition, `since` (a bulk load's first
    // month), and now
    const from = [rows[0]?.oldest, since].reduce<Date>((min, d) => (d && d < min ? d : min), now);
    const created: string[] = [];
    for (const month of monthsBetween(from, addMonths(monthStart(now), MONTHS_AHEAD))) {
      const name = partitionName(month);
      if (existing.has(name)) continue;
      const lower = month.toISOString();
      const upper = addMonths(month, 1).toISOString();
      await client.query("BEGIN");
      try {
        // The default partition must hold no row of the new range when the partition is
        // attached: move them into the (still detached) table first.
        await client.query(`CREATE TABLE "${name}" (LIKE execution_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
        await client.query(
          `WITH moved AS (DELETE FROM execution_events_default WHERE "receivedAt" >= $1 AND "receivedAt" < $2 RETURNING *)
           INSERT INTO "${name}" SELECT * FROM moved`,
          [lower, upper],
        );
        await client.query(`ALTER TABLE execution_events ATTACH PARTITION "${name}" FOR VALUES FROM ('${lower}') TO ('${upper}')`);
        await client.query("COMMIT");
        created.push(name);
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {});
        throw err;
      }
    }
    return created;
  } finally {
    await client.end();
  }
}

export type RetentionResult = { droppedPartitions: string[]; forgottenEventIds: number; cutoff: string };

/**
 * Drops the monthly partitions that end before now − keepDays (whole months only: a partition
 * with any row inside the window stays), and forgets eventIds received before the cutoff.
 */
export async function applyRetention(databaseUrl: string, keepDays: number, now = new Date()): Promise<RetentionResult> {
  const cutoff = new Date(now.getTime() - keepDays * 24 * 3600 * 1000);
  const client = new pg.Client({ connectionString: databaseUrl });
  // a lost connection fails the query in flight; without a listener it would crash the process
  client.on("error", () => {});
  await client.connect();
  try {
    const dropped: string[] = [];
    if (await isPartitioned(client)) {
      const { rows } = await client.query<{ name: string; bound: string }>(
        `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass('execution_events')`,
      );
      for (const r of rows) {
        const match = /TO \('([^']+)'\)/.exec(r.bound);
        if (!match) continue; // the default partition has no bound
        if (new Date(match[1]!) <= cutoff) {
          await client.query(`DROP TABLE "${r.name}"`);
          dropped.push(r.name);
        }
      }
    }
    // in batches, so a large backlog never holds one long transaction
    let forgotten = 0;
    for (;;) {
      const res = await client.query(
        `DELETE FROM processed_events WHERE ctid = ANY(ARRAY(SELECT ctid FROM processed_events WHERE "receivedAt" < $1 LIMIT 10000))`,
        [cutoff],
      );
      forgotten += res.rowCount ?? 0;
      if ((res.rowCount ?? 0) < 10000) break;
    }
    return { droppedPartitions: dropped.sort(), forgottenEventIds: forgotten, cutoff: cutoff.toISOString() };
  } finally {
    await client.end();
  }
}
