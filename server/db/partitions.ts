// Monthly partitions of the execution timeline (execution_events_YYYY_MM, UTC months) and
// retention by dropping whole partitions. Partition names are computed from dates, so this is
// code rather than a migration (the schema engine cannot run PL/pgSQL bodies).
import pg from "pg";
import { createEventPartition, dropEventPartition, eventPartitions, forgetEventIds, isPartitioned, oldestInDefaultPartition } from "./queries";
import type { Queryable } from "./sql";

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

async function existingPartitions(db: Queryable): Promise<Set<string>> {
  return new Set((await eventPartitions(db)).map((r) => r.name));
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
    const oldest = await oldestInDefaultPartition(client);
    // from the earliest of: rows waiting in the default partition, `since` (a bulk load's first
    // month), and now
    const from = [oldest, since].reduce<Date>((min, d) => (d && d < min ? d : min), now);
    const created: string[] = [];
    for (const month of monthsBetween(from, addMonths(monthStart(now), MONTHS_AHEAD))) {
      const name = partitionName(month);
      if (existing.has(name)) continue;
      await client.query("BEGIN");
      try {
        await createEventPartition(client, name, month, addMonths(month, 1));
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
      const rows = await eventPartitions(client);
      for (const r of rows) {
        const match = /TO \('([^']+)'\)/.exec(r.bound);
        if (!match) continue; // the default partition has no bound
        if (new Date(match[1]!) <= cutoff) {
          await dropEventPartition(client, r.name);
          dropped.push(r.name);
        }
      }
    }
    // in batches, so a large backlog never holds one long transaction
    let forgotten = 0;
    for (;;) {
      const n = await forgetEventIds(client, cutoff, 10000);
      forgotten += n;
      if (n < 10000) break;
    }
    return { droppedPartitions: dropped.sort(), forgottenEventIds: forgotten, cutoff: cutoff.toISOString() };
  } finally {
    await client.end();
  }
}
