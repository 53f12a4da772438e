// The SQL of the bulk generator (server/gen/run.ts): organizations and workflows created set-wise,
// the loaded tables' keys and indexes dropped and rebuilt around the load, the sequences moved
// past the rows written, and the COPY statements (copy.ts). Bulk writes are commands: nothing is
// decoded per row.
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { z } from "zod";
import { defineCommand, defineDynamicCommand, defineQuery, type Queryable } from "../db/sql";

/** Session settings of the generator's connections (the load's own durability and memory). */
const SESSION = defineDynamicCommand("gen.session");
export const setUtcTimeZone = (db: Queryable) => SESSION.run(db, "SET TIME ZONE 'UTC'");
export const skipCommitFlush = (db: Queryable) => SESSION.run(db, "SET synchronous_commit = off");
export const rebuildMemory = (db: Queryable) => SESSION.run(db, "SET maintenance_work_mem = '256MB'");

const EXISTING_SLUGS = defineQuery("gen.existingSlugs", `SELECT slug FROM organizations WHERE slug = ANY($1::text[])`, z.object({ slug: z.string() }));
const INSERT_ORGS = defineCommand(
  "gen.insertOrgs",
  `INSERT INTO organizations (id, slug, name, "updatedAt") SELECT * , now() FROM unnest($1::uuid[], $2::text[], $3::text[])`,
);
// RETURNING follows the insertion order of INSERT … SELECT … ORDER BY
const INSERT_WORKFLOWS = defineQuery(
  "gen.insertWorkflows",
  `INSERT INTO workflows ("orgId", key, name, "stuckScheduledAfterSeconds", "stuckRunningAfterSeconds", "createdAt")
   SELECT o, k, n, s, r, $6 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::int[]) WITH ORDINALITY AS t(o, k, n, s, r, ord)
   ORDER BY ord
   RETURNING id::text`,
  z.object({ id: z.string() }),
);

/** The slugs among these that organizations already use. */
export const existingSlugs = async (db: Queryable, slugs: string[]) => (await EXISTING_SLUGS.all(db, [slugs])).map((r) => r.slug);
export const insertOrgs = (db: Queryable, orgs: { ids: string[]; slugs: string[]; names: string[] }) => INSERT_ORGS.run(db, [orgs.ids, orgs.slugs, orgs.names]);

export type NewWorkflows = { orgIds: string[]; keys: string[]; names: string[]; stuckScheduled: (number | null)[]; stuckRunning: (number | null)[]; createdAt: Date };
/** Inserts the workflows; their ids in the order given. */
export const insertWorkflows = async (db: Queryable, w: NewWorkflows) =>
  (await INSERT_WORKFLOWS.all(db, [w.orgIds, w.keys, w.names, w.stuckScheduled, w.stuckRunning, w.createdAt])).map((r) => r.id);

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const ANY_ROW = defineDynamicCommand("gen.anyRow");
/** Whether the table holds at least one row. */
export const hasRows = async (db: Queryable, table: string) => (await ANY_ROW.run(db, `SELECT 1 FROM ${quoteIdent(table)} LIMIT 1`)) > 0;

const CONSTRAINTS = defineQuery(
  "gen.constraints",
  `SELECT c.conrelid::regclass::text AS table, c.conname AS name, pg_get_constraintdef(c.oid) AS def, c.contype::text AS contype
   FROM pg_constraint c WHERE c.conrelid = ANY($1::regclass[]) AND c.contype IN ('p', 'f', 'u')`,
  z.object({ table: z.string(), name: z.string(), def: z.string(), contype: z.string() }),
);
const INDEXES = defineQuery(
  "gen.indexes",
  `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
   FROM pg_index i WHERE i.indrelid = ANY($1::regclass[])
     AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
  z.object({ name: z.string(), def: z.string() }),
);
const quoted = (tables: readonly string[]) => tables.map(quoteIdent);

/** The primary, unique and foreign keys of these tables, with their definitions. */
export const keysOf = (db: Queryable, tables: readonly string[]) => CONSTRAINTS.all(db, [quoted(tables)]);
/** The secondary indexes (those no constraint owns) of these tables, with their definitions. */
export const secondaryIndexesOf = (db: Queryable, tables: readonly string[]) => INDEXES.all(db, [quoted(tables)]);

// The names and definitions come from the catalog (regclass text is already quoted as needed).
const DDL = defineDynamicCommand("gen.ddl");
export const dropConstraint = (db: Queryable, table: string, name: string) => DDL.run(db, `ALTER TABLE ${table} DROP CONSTRAINT ${quoteIdent(name)}`);
export const dropIndex = (db: Queryable, name: string) => DDL.run(db, `DROP INDEX ${name}`);
export const addConstraint = (db: Queryable, table: string, name: string, def: string) => DDL.run(db, `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(name)} ${def}`);
/** Runs a CREATE INDEX definition as pg_get_indexdef gave it. */
export const createIndex = (db: Queryable, def: string) => DDL.run(db, def);

const RESERVE_EXECUTION_IDS = defineQuery(
  "gen.reserveExecutionIds",
  `SELECT (setval(pg_get_serial_sequence('executions', 'id'), GREATEST((SELECT coalesce(max(id), 0) FROM executions), nextval(pg_get_serial_sequence('executions', 'id'))) + $1) - $1 + 1)::text AS first`,
  z.object({ first: z.string() }),
);
const FIRST_FREE_EVENT_ID = defineQuery(
  "gen.firstFreeEventId",
  `SELECT (GREATEST((SELECT coalesce(max(id), 0) FROM execution_events), nextval(pg_get_serial_sequence('execution_events', 'id'))) + 1)::text AS first`,
  z.object({ first: z.string() }),
);
const ADVANCE_EVENT_IDS = defineCommand(
  "gen.advanceEventIds",
  `SELECT setval(pg_get_serial_sequence('execution_events', 'id'), GREATEST($1::bigint, (SELECT coalesce(max(id), 1) FROM execution_events)))`,
);

/** Takes a block of n execution ids from the sequence; the first of them. */
export const reserveExecutionIds = async (db: Queryable, n: number) => BigInt((await RESERVE_EXECUTION_IDS.one(db, [n])).first);
/** The first timeline id past both the rows and the sequence. */
export const firstFreeEventId = async (db: Queryable) => BigInt((await FIRST_FREE_EVENT_ID.one(db, [])).first);
/** Moves the timeline's sequence past the ids the load used. */
export const advanceEventIds = (db: Queryable, lastUsed: string) => ADVANCE_EVENT_IDS.run(db, [lastUsed]);

const MAINTENANCE = defineDynamicCommand("gen.maintenance");
/** VACUUM (ANALYZE) or ANALYZE of one table. */
export const analyze = (db: Queryable, table: string, vacuum: boolean) => MAINTENANCE.run(db, `${vacuum ? "VACUUM (ANALYZE)" : "ANALYZE"} ${quoteIdent(table)}`);

const DATABASE_SIZE = defineQuery("gen.databaseSize", "SELECT pg_database_size(current_database())::text AS bytes", z.object({ bytes: z.string() }));
export const databaseBytes = async (db: Queryable) => Number((await DATABASE_SIZE.one(db, [])).bytes);

const SET_COUNTERS = defineCommand(
  "gen.setCounters",
  `UPDATE workflows w SET "executionCount" = x.e, "successCount" = x.s, "failureCount" = x.f, "cancelledCount" = x.c,
     "lastExecutionAt" = x.l, "updatedAt" = now()
   FROM unnest($1::bigint[], $2::int[], $3::int[], $4::int[], $5::int[], $6::timestamptz[]) AS x(id, e, s, f, c, l)
   WHERE w.id = x.id`,
);
export type CounterColumns = { ids: string[]; executions: number[]; successes: number[]; failures: number[]; cancelled: number[]; lastExecutionAt: Date[] };
/** Sets the workflows' counters to the totals of what was written. */
export const setCounters = (db: Queryable, c: CounterColumns) => SET_COUNTERS.run(db, [c.ids, c.executions, c.successes, c.failures, c.cancelled, c.lastExecutionAt]);

/** A COPY … FROM STDIN stream into these columns of the table (PostgreSQL's text format). */
export function copyInto(client: pg.PoolClient | pg.Client, table: string, columns: readonly string[]) {
  return client.query(copyFrom(`COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) FROM STDIN`));
}
