// The SQL of the database layer itself: the execution timeline's monthly partitions (DDL whose
// names are computed from dates, server/db/partitions.ts) and retention of the eventId claims.
import { z } from "zod";
import { defineCommand, defineDynamicCommand, defineQuery, type Queryable } from "./sql";

const IS_PARTITIONED = defineQuery(
  "db.isPartitioned",
  `SELECT 1 AS one FROM pg_partitioned_table WHERE partrelid = to_regclass('execution_events')`,
  z.object({ one: z.number() }),
);
const PARTITIONS = defineQuery(
  "db.eventPartitions",
  `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
   FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass('execution_events')`,
  z.object({ name: z.string(), bound: z.string() }),
);
const OLDEST_IN_DEFAULT = defineQuery("db.oldestInDefaultPartition", `SELECT min("receivedAt") AS oldest FROM execution_events_default`, z.object({ oldest: z.date().nullable() }));
const PARTITION_DDL = defineDynamicCommand("db.partitionDdl");
const FORGET_EVENT_IDS = defineCommand(
  "db.forgetEventIds",
  `DELETE FROM processed_events WHERE ctid = ANY(ARRAY(SELECT ctid FROM processed_events WHERE "receivedAt" < $1 LIMIT $2))`,
);

/** Whether execution_events is partitioned (databases migrated before partitioning are not). */
export const isPartitioned = async (db: Queryable) => (await IS_PARTITIONED.first(db, [])) !== null;

/** execution_events' partitions with their bounds (the default partition's reads DEFAULT). */
export const eventPartitions = (db: Queryable) => PARTITIONS.all(db, []);

/** The oldest receivedAt waiting in the default partition, or null when it is empty. */
export const oldestInDefaultPartition = async (db: Queryable) => (await OLDEST_IN_DEFAULT.one(db, [])).oldest;

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Creates the partition `name` for [lower, upper), moving the default partition's rows of that
 * range into it first: the default must hold none of them when the partition is attached. The
 * caller holds the transaction.
 */
export async function createEventPartition(db: Queryable, name: string, lower: Date, upper: Date): Promise<void> {
  const table = quoteIdent(name);
  await PARTITION_DDL.run(db, `CREATE TABLE ${table} (LIKE execution_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
  await PARTITION_DDL.run(db, {
    text: `WITH moved AS (DELETE FROM execution_events_default WHERE "receivedAt" >= $1 AND "receivedAt" < $2 RETURNING *)
           INSERT INTO ${table} SELECT * FROM moved`,
    values: [lower.toISOString(), upper.toISOString()],
  });
  await PARTITION_DDL.run(db, `ALTER TABLE execution_events ATTACH PARTITION ${table} FOR VALUES FROM ('${lower.toISOString()}') TO ('${upper.toISOString()}')`);
}

/** Drops one partition (retention: whole months). */
export const dropEventPartition = (db: Queryable, name: string) => PARTITION_DDL.run(db, `DROP TABLE ${quoteIdent(name)}`);

/** Forgets up to `limit` eventId claims received before `cutoff`; how many it forgot. */
export const forgetEventIds = (db: Queryable, cutoff: Date, limit: number) => FORGET_EVENT_IDS.run(db, [cutoff, limit]);
