// vitest globalSetup for the integration project: one migrated database for the whole run.
//
// RUNWATCH_TEST_PGBOUNCER=1 runs the tests through PgBouncer in transaction mode instead: a
// private cluster with a private PgBouncer in front (tests/setup/pgbouncer.ts); DATABASE_URL
// names the database through PgBouncer, and the monitor's lease gets the direct session
// (RUNWATCH_MONITOR_DATABASE_URL, set in integration-env.ts) as in production behind a pooler.
import type { TestProject } from "vitest/node";
import { createCluster } from "./pg-cluster";
import { startPgBouncer } from "./pgbouncer";
import { provisionTestDatabase } from "./provision-db";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    /** the same database without a pooler in between (equal to databaseUrl unless pooled) */
    directDatabaseUrl: string;
    /** "embedded" (PGlite) cannot create a second database over its socket */
    databaseKind: "server" | "embedded";
  }
}

async function pooled() {
  const cluster = await createCluster();
  const bouncer = await startPgBouncer(cluster.port);
  const db = await provisionTestDatabase(cluster.url);
  const url = Object.assign(new URL(bouncer.url), { pathname: new URL(db.url).pathname }).toString();
  return {
    url,
    direct: db.url,
    kind: "server" as const,
    teardown: async () => {
      await bouncer.stop();
      await cluster.destroy();
    },
  };
}

export default async function setup(project: TestProject) {
  const db = process.env.RUNWATCH_TEST_PGBOUNCER === "1" ? await pooled() : await provisionTestDatabase().then((d) => ({ ...d, direct: d.url }));
  process.env.DATABASE_URL = db.url;
  project.provide("databaseUrl", db.url);
  project.provide("directDatabaseUrl", db.direct);
  project.provide("databaseKind", db.kind);
  return async () => {
    await db.teardown();
  };
}
