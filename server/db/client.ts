// One pg pool per process, shared by Prisma (through its pg adapter) and by the hot paths
// (ingestion, lists) that issue hand-written SQL on it.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { config, databaseUrl } from "../config";
import { PrismaClient } from "../generated/prisma/client";

type Db = { pool: pg.Pool; prisma: PrismaClient };

const globalForDb = globalThis as unknown as { runwatchDb?: Db };

function create(): Db {
  // Embedded PostgreSQL (PGlite) is one session behind its socket server: two connections'
  // extended-protocol messages can interleave there, so it gets exactly one connection.
  const max = process.env.RUNWATCH_EMBEDDED_DB === "1" ? 1 : config().RUNWATCH_DB_POOL_SIZE;
  const pool = new pg.Pool({ connectionString: databaseUrl(), max });
  // a dropped idle connection must not crash the process
  pool.on("error", () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return { pool, prisma };
}

export function db(): Db {
  globalForDb.runwatchDb ??= create();
  return globalForDb.runwatchDb;
}

export const pool = () => db().pool;
export const prisma = () => db().prisma;

export async function closeDb(): Promise<void> {
  const current = globalForDb.runwatchDb;
  globalForDb.runwatchDb = undefined;
  if (current) {
    await current.prisma.$disconnect();
    await current.pool.end();
  }
}
