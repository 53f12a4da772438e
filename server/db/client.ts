// One pg pool per process, shared by Prisma (through its pg adapter) and by the hot paths
// (ingestion, lists) that issue hand-written SQL on it. With DATABASE_REPLICA_URLS, one more
// pool per replica: readPool() and readPrisma() send lag-tolerant reads there (server/db/replicas.ts).
import { PrismaPg } from "@prisma/adapter-pg";
import { readReplicas } from "@prisma/extension-read-replicas";
import pg from "pg";
import { config, databaseUrl } from "../config";
import { log } from "../log";
import { PrismaClient } from "../generated/prisma/client";
import { replicaUrls, roundRobin } from "./replicas";
import { PG_TYPES } from "./types";
import type { Queryable } from "./sql";

type Db = {
  pool: pg.Pool;
  prisma: PrismaClient;
  replicaPools: pg.Pool[];
  replicaPrismas: PrismaClient[];
  /** Prisma whose read operations go to a replica; writes and transactions stay on the primary */
  readPrisma: PrismaClient;
  nextReadPool: () => pg.Pool;
};

const globalForDb = globalThis as unknown as { runwatchDb?: Db };

/** How long a request waits for a connection before the outage becomes a 503. */
const CONNECT_TIMEOUT_MS = 5_000;

function newPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, types: PG_TYPES });
  // A dropped connection must not crash the process: the pool listens while a client is idle,
  // and each client listens for itself while it is checked out (pg has no listener then, and
  // an 'error' event without one is an uncaughtException). The query in flight fails on its own.
  pool.on("error", (err) => log.warn({ err: err.message }, "database: idle connection lost"));
  pool.on("connect", (client) => {
    client.on("error", (err) => log.warn({ err: err.message }, "database: connection lost"));
  });
  return pool;
}

function create(): Db {
  // Embedded PostgreSQL (PGlite) is one session behind its socket server: two connections'
  // extended-protocol messages can interleave there, so it gets exactly one connection (and no
  // replicas: replicaUrls() returns none there).
  const max = config().RUNWATCH_EMBEDDED_DB === "1" ? 1 : config().RUNWATCH_DB_POOL_SIZE;
  const pool = newPool(databaseUrl(), max);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const replicaPools = replicaUrls().map((url) => newPool(url, max));
  const replicaPrismas = replicaPools.map((p) => new PrismaClient({ adapter: new PrismaPg(p) }));
  // The extension's type adds $primary()/$replica(); callers use the models as on any client.
  const readPrisma = replicaPrismas.length ? (prisma.$extends(readReplicas({ replicas: replicaPrismas })) as unknown as PrismaClient) : prisma;
  return { pool, prisma, replicaPools, replicaPrismas, readPrisma, nextReadPool: roundRobin(replicaPools, pool) };
}

export function db(): Db {
  globalForDb.runwatchDb ??= create();
  return globalForDb.runwatchDb;
}

/** The primary: every write, every transaction, and reads that must see the caller's own writes. */
export const pool = () => db().pool;
export const prisma = () => db().prisma;

/**
 * A pool for reads that tolerate replication lag (lists, counts, charts): the replicas in turn,
 * or the primary when DATABASE_REPLICA_URLS is unset. Never write through it.
 */
export const readPool = () => db().nextReadPool();

/**
 * Where a service's read runs: in the caller's transaction when its context holds one (so the
 * read sees the caller's own writes), else on the primary. The one rule, for every ReadContext.
 */
export const primaryFor = (ctx: { client?: Queryable }): Queryable => ctx.client ?? pool();

/** The same for lag-tolerant reads (lists, counts, charts): the caller's transaction, else a replica. */
export const replicaFor = (ctx: { client?: Queryable }): Queryable => ctx.client ?? readPool();

/** Prisma with reads (findMany, count, aggregate …) on a replica and writes on the primary. */
export const readPrisma = () => db().readPrisma;

/** The replica pools (empty without replicas); for health checks and tests. */
export const replicaPools = () => db().replicaPools;

export async function closeDb(): Promise<void> {
  const current = globalForDb.runwatchDb;
  globalForDb.runwatchDb = undefined;
  if (current) {
    await current.prisma.$disconnect();
    await Promise.all(current.replicaPrismas.map((p) => p.$disconnect()));
    await current.pool.end();
    await Promise.all(current.replicaPools.map((p) => p.end()));
  }
}
