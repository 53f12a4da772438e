// The one way server code runs hand-written SQL. A statement is defined once, in its capability's
// `queries.ts`, with the zod schema its rows decode through; services call the typed functions
// that module exports and never see SQL text. Decoding (rather than asserting `query<Row>`) is
// what makes a renamed column or a forgotten `::int` fail the test that reads it, instead of a
// string quietly flowing where a number was promised.
//
// Raw SQL is for the paths where it earns its keep (ingestion, lists, counts, the sweep, bulk
// jobs); simple create/read/update screens go through Prisma. The lint rule
// `eslint-rules/sql-in-queries.mjs` refuses a `.query(...)` anywhere else.
import { createHash } from "node:crypto";
import pg from "pg";
import type { z } from "zod";
import { log } from "../log";

/** A pool, a pool client or an open transaction: anything that runs a statement. */
export type Queryable = Pick<pg.PoolClient, "query">;

/**
 * SQL and its parameters, for a statement composed at run time (filters) inside a queries.ts.
 * `prepared`: run it as a named prepared statement (queryPrepared, below): only for a text whose plan
 * suits every organization and parameter.
 */
export type SqlText = { text: string; values: readonly unknown[]; prepared?: boolean };

export class RowShapeError extends Error {
  constructor(statement: string, issues: string) {
    super(`query ${statement}: a row did not match its schema: ${issues}`);
    this.name = "RowShapeError";
  }
}

function decoder<S extends z.ZodType>(name: string, row: S) {
  return (rows: unknown[]): z.output<S>[] =>
    rows.map((r) => {
      const parsed = row.safeParse(r);
      if (!parsed.success) throw new RowShapeError(name, parsed.error.issues.map((i) => `${i.path.join(".") || "(row)"}: ${i.message}`).join("; "));
      return parsed.data;
    });
}

export type Reader<In, Out> = {
  readonly name: string;
  /** every row, decoded */
  all(db: Queryable, input: In): Promise<Out[]>;
  /** the first row, or null when there is none */
  first(db: Queryable, input: In): Promise<Out | null>;
  /** the one row an aggregate (or a RETURNING of a row known to exist) gives; throws when absent */
  one(db: Queryable, input: In): Promise<Out>;
};

function reader<In, Out>(name: string, run: (db: Queryable, input: In) => Promise<unknown[]>, decode: (rows: unknown[]) => Out[]): Reader<In, Out> {
  const all = async (db: Queryable, input: In) => decode(await run(db, input));
  return {
    name,
    all,
    first: async (db, input) => (await all(db, input))[0] ?? null,
    one: async (db, input) => {
      const rows = await all(db, input);
      if (rows[0] === undefined) throw new Error(`query ${name}: expected one row, got none`);
      return rows[0];
    },
  };
}

/** A fixed statement whose rows decode through `row`; parameters are passed positionally ($1…). */
export function defineQuery<S extends z.ZodType>(name: string, text: string, row: S): Reader<readonly unknown[], z.output<S>> {
  return reader(name, async (db, params) => (await db.query(text, params as unknown[])).rows, decoder(name, row));
}

/** A statement composed at run time (a filter's WHERE clause) by a function in the same queries.ts. */
export function defineDynamicQuery<S extends z.ZodType>(name: string, row: S): Reader<SqlText, z.output<S>> {
  return reader(name, async (db, q) => (await (q.prepared ? queryPrepared(db, q.text, q.values as unknown[]) : db.query(q.text, q.values as unknown[]))).rows, decoder(name, row));
}

export type Command<In> = {
  readonly name: string;
  /** runs it; the number of rows it touched */
  run(db: Queryable, input: In): Promise<number>;
};

/** A statement that returns no rows the caller reads (INSERT, UPDATE, DELETE, DDL): its row count. */
export function defineCommand(name: string, text: string): Command<readonly unknown[]> {
  return { name, run: async (db, params) => (await db.query(text, params as unknown[])).rowCount ?? 0 };
}

/** A command composed at run time (a multi-row INSERT, DDL for a partition). */
export function defineDynamicCommand(name: string): Command<SqlText | string> {
  return {
    name,
    run: async (db, q) => (typeof q === "string" ? await db.query(q) : await db.query(q.text, q.values as unknown[])).rowCount ?? 0,
  };
}

/* --- named prepared statements --------------------------------------------------------------- */

// Named prepared statements, for the few hot reads whose best plan is the same for every
// organization and every parameter: the unfiltered list page (newest first, keyset on
// (createdAt, id), a walk of one org-leading index whatever the organization's size). Named,
// PostgreSQL parses and plans such a statement once per connection, and after five runs settles
// on its generic plan. Unnamed, it planned the page on every request: 0.9-1.1 ms of planning
// against 0.5 ms of running it (docs/ingestion-performance.md). A filtered page stays unnamed:
// a generic plan cannot know whether a status or workflow is rare in this organization.
//
// A name is a digest of the text, so two connections (or a pooler's clients sharing one server
// connection) that hold a statement of that name hold the same statement. A transaction pooler
// that cannot keep them (PgBouncer before 1.21, or without max_prepared_statements) answers
// "prepared statement does not exist" or "already exists": the read is run again unnamed, and
// the process stops naming statements, with one warning saying why.
/** More distinct texts than this are run unnamed: each named one costs memory on every connection. */
const MAX_NAMED = 64;
const names = new Map<string, string>();
let naming = true;

/** Refusals of a connection that does not keep named statements between transactions. */
const POOLER_REFUSALS = new Set(["26000", "42P05"]);

function nameOf(text: string): string | null {
  const known = names.get(text);
  if (known !== undefined || names.size >= MAX_NAMED) return known ?? null;
  const name = `rw_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
  names.set(text, name);
  return name;
}

/**
 * Runs a read as a named prepared statement on a pool; in a caller's transaction or connection
 * (where a failed statement would abort the transaction) it runs unnamed.
 */
export async function queryPrepared(db: Queryable, text: string, values: unknown[]): Promise<pg.QueryResult> {
  const name = naming && db instanceof pg.Pool ? nameOf(text) : null;
  if (name === null) return db.query(text, values);
  try {
    return await db.query({ name, text, values });
  } catch (err) {
    if (!POOLER_REFUSALS.has((err as { code?: string }).code ?? "")) throw err;
    naming = false;
    log.warn(
      { err: (err as Error).message },
      "database: a named prepared statement was lost between transactions (a transaction pooler such as PgBouncer before 1.21?); this process now runs every statement unnamed",
    );
    return db.query(text, values);
  }
}

/** For tests: whether this process still names statements, and forgetting that it stopped. */
export const preparedStatements = {
  naming: () => naming,
  reset: () => {
    naming = true;
    names.clear();
  },
};
