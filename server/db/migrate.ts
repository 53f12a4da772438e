// Applies prisma/migrations with Prisma's WebAssembly schema engine, so migrations work offline
// and without the native engine binary. Records them in _prisma_migrations exactly as
// `prisma migrate deploy` does, so both tools can be used on the same database.
import { randomUUID } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum, type SqlDriverAdapter } from "@prisma/driver-adapter-utils";
import { ensureEventPartitions } from "./partitions";

const require = createRequire(import.meta.url);

export const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const migrationsDir = path.join(projectRoot, "prisma", "migrations");
const schemaPath = path.join(projectRoot, "prisma", "schema.prisma");

type Engine = import("@prisma/schema-engine-wasm").SchemaEngine;
type MigrationList = import("@prisma/schema-engine-wasm").MigrationList;

let engineModule: Promise<typeof import("@prisma/schema-engine-wasm/schema_engine_bg")> | undefined;

// Instantiated by hand rather than through an ESM wasm import, so Node 20 needs no
// --experimental-wasm-modules flag.
function loadEngineModule() {
  engineModule ??= (async () => {
    const bg = await import("@prisma/schema-engine-wasm/schema_engine_bg");
    const wasmPath = path.join(path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg")), "schema_engine_bg.wasm");
    const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), { "./schema_engine_bg.js": bg as unknown as WebAssembly.ModuleImports });
    (bg as unknown as { __wbg_set_wasm(e: WebAssembly.Exports): void }).__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bg;
  })();
  return engineModule;
}

/** The columns of PostgreSQL's one-byte "char" type in a result, keyed by its rows array. */
const charColumnsOf = new WeakMap<object, number[]>();

/**
 * The schema engine reads catalog columns of PostgreSQL's one-byte "char" type (OID 18), which
 * @prisma/adapter-pg 7.10 cannot map, so describing a database (as `db:diff` does on its shadow
 * database) fails. Such a column is a one-character string: it passes the adapter as text (OID
 * 25), and reportCatalogChars() then tells the engine it is a character, as the describer of
 * CHECK constraints insists.
 */
class CatalogFriendlyPool extends pg.Pool {
  // @ts-expect-error -- narrows pg's overloads to the promise form the adapter uses
  override async query(config: pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult> {
    const result = await super.query(config, values);
    const chars: number[] = [];
    (result.fields ?? []).forEach((field, i) => {
      if (field.dataTypeID !== 18) return;
      field.dataTypeID = 25;
      chars.push(i);
    });
    if (chars.length && result.rows) charColumnsOf.set(result.rows, chars);
    return result;
  }
}

/** The adapter hands the pool's rows array back unchanged, so the char columns are found again. */
function reportCatalogChars<A extends SqlDriverAdapter>(adapter: A): A {
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of charColumnsOf.get(result.rows) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
  return adapter;
}

/**
 * Discrete connection fields rather than a connectionString: the adapter opens the diff's
 * shadow database as {...config, database}, and pg lets a connectionString's database win over
 * that field, which would run the shadow migrations in the real database.
 */
export function poolConfig(databaseUrl: string) {
  const u = new URL(databaseUrl);
  const sslmode = u.searchParams.get("sslmode");
  return {
    host: decodeURIComponent(u.hostname) || "localhost",
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: decodeURIComponent(u.pathname.replace(/^\//, "")) || undefined,
    ssl: sslmode && sslmode !== "disable" ? { rejectUnauthorized: sslmode === "verify-full" } : undefined,
  };
}

/**
 * The adapter runs a migration statement by statement, split at every ";", which cuts a function
 * body ($$ … $$) apart. A script with one goes to PostgreSQL whole instead: the simple query
 * protocol runs it as one implicit transaction, as `prisma migrate deploy` does with any script.
 */
function keepDollarQuotes<A extends { executeScript(script: string): Promise<void>; underlyingDriver(): unknown }>(adapter: A): A {
  const split = adapter.executeScript.bind(adapter);
  adapter.executeScript = async (script: string) => {
    if (!script.includes("$$")) return split(script);
    await (adapter.underlyingDriver() as pg.Pool).query(script);
  };
  return adapter;
}

async function withEngine<T>(databaseUrl: string, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const bg = await loadEngineModule();
  const schema = await readFile(schemaPath, "utf8");
  // The engine never disposes the connections it opens, so track them and close them here;
  // otherwise their pools keep the process alive after the migration.
  const factory = new PrismaPg(new CatalogFriendlyPool(poolConfig(databaseUrl)) as pg.Pool, { disposeExternalPool: true });
  const opened: { dispose(): Promise<void> }[] = [];
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = keepDollarQuotes(reportCatalogChars(await connect()));
    opened.push(adapter);
    return adapter;
  };
  // The adapter's own shadow database is dropped while its pool is still connected, which
  // fails; this one closes the pool first and drops with FORCE.
  factory.connectToShadowDb = async () => {
    const admin = await factory.connect();
    const database = `prisma_migrate_shadow_db_${randomUUID()}`;
    await admin.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = keepDollarQuotes(reportCatalogChars(await new PrismaPg(new CatalogFriendlyPool({ ...poolConfig(databaseUrl), database }) as pg.Pool, { disposeExternalPool: true }).connect()));
    const dispose = async () => {
      await shadow.dispose().catch(() => {});
      await admin.executeScript(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    };
    return new Proxy(shadow, {
      get(target, prop) {
        if (prop === "dispose") return dispose;
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  };
  const logs: string[] = [];
  const engine = (await bg.SchemaEngine.new(
    { datamodels: [[schemaPath, schema]] },
    (log: string) => logs.push(log),
    bindMigrationAwareSqlAdapterFactory(factory),
  )) as Engine;
  try {
    return await fn(engine);
  } finally {
    engine.free();
    await Promise.all(opened.map((a) => a.dispose().catch(() => {})));
  }
}

/** The migrations in order; `until` stops after that one (a database as an older release left it). */
export async function readMigrationList(until?: string): Promise<MigrationList> {
  const names = (await readdir(migrationsDir, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .filter((name) => until === undefined || name <= until)
    .sort();
  const lockPath = path.join(migrationsDir, "migration_lock.toml");
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockPath, content: await readFile(lockPath, "utf8").catch(() => null) },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      names.map(async (name) => {
        const content = await readFile(path.join(migrationsDir, name, "migration.sql"), "utf8");
        // names relative to baseDir, as `prisma migrate deploy` records them
        return { path: name, migrationFile: { path: "migration.sql", content: { tag: "ok", value: content } } };
      }),
    ),
  } as MigrationList;
}

const noFilters = { externalTables: [], externalEnums: [] };

/**
 * Applies every pending migration (up to `until`, for upgrade tests), then the timeline's monthly
 * partitions; returns the migrations applied now.
 */
export async function applyMigrations(databaseUrl: string, options: { until?: string } = {}): Promise<string[]> {
  const migrationsList = await readMigrationList(options.until);
  const applied = await withEngine(databaseUrl, async (engine) => {
    const out = await engine.applyMigrations({ migrationsList, filters: noFilters });
    return out.appliedMigrationNames;
  });
  await ensureEventPartitions(databaseUrl);
  return applied;
}

/** SQL that takes the database described by the migrations to prisma/schema.prisma. */
export async function diffMigrationsToSchema(databaseUrl: string): Promise<string> {
  const migrationsList = await readMigrationList();
  const schema = await readFile(schemaPath, "utf8");
  return withEngine(databaseUrl, async (engine) => {
    const from = migrationsList.migrationDirectories.length ? { tag: "migrations" as const, ...migrationsList } : { tag: "empty" as const };
    let captured = "";
    const origWrite = process.stdout.write.bind(process.stdout);
    // the engine prints the script on stdout; capture it
    process.stdout.write = ((chunk: string | Uint8Array) => {
      captured += chunk.toString();
      return true;
    }) as typeof process.stdout.write;
    try {
      const res = await engine.diff({ from, to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: schema }] }, script: true, exitCode: null, filters: noFilters });
      return res.stdout ?? captured;
    } finally {
      process.stdout.write = origWrite;
    }
  });
}
