// Liveness (/api/health: the database answers) and readiness (/api/health/ready: it answers and
// every migration in prisma/migrations has been applied), for load balancers and orchestrators.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { pool } from "../db/client";
import { appliedMigrations, ping } from "./queries";

const TIMEOUT_MS = 2_000;

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export async function databaseAnswers(): Promise<boolean> {
  try {
    await withTimeout(ping(pool()));
    return true;
  } catch {
    return false;
  }
}

export type Readiness = { ready: boolean; database: boolean; pendingMigrations: string[] };

export async function readiness(migrationsDir = path.join(process.cwd(), "prisma", "migrations")): Promise<Readiness> {
  const expected = (await readdir(migrationsDir, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  try {
    const applied = new Set(await withTimeout(appliedMigrations(pool())));
    const pendingMigrations = expected.filter((m) => !applied.has(m)).sort();
    return { ready: pendingMigrations.length === 0, database: true, pendingMigrations };
  } catch {
    return { ready: false, database: false, pendingMigrations: expected.sort() };
  }
}
