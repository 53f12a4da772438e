// The one way server code runs hand-written SQL. A statement is defined once, in its capability's
// `queries.ts`, with the zod schema its rows decode through; services call the typed functions
// that module exports and never see SQL text. Decoding (rather than asserting `query<Row>`) is
// what makes a renamed column or a forgotten `::int` fail the test that reads it, instead of a
// string quietly flowing where a number was promised.
//
// Raw SQL is for the paths where it earns its keep (ingestion, lists, counts, the sweep, bulk
// jobs); simple create/read/update screens go through Prisma. The lint rule
// `eslint-rules/sql-in-queries.mjs` refuses a `.query(...)` anywhere else.
import type pg from "pg";
import type { z } from "zod";

/** A pool, a pool client or an open transaction: anything that runs a statement. */
export type Queryable = Pick<pg.PoolClient, "query">;

/** SQL and its parameters, for a statement composed at run time (filters) inside a queries.ts. */
export type SqlText = { text: string; values: readonly unknown[] };

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
  return reader(name, async (db, q) => (await db.query(q.text, q.values as unknown[])).rows, decoder(name, row));
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
