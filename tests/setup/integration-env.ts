// Runs in every integration test file before it is imported: points the app's database client
// at the run's database and closes the pool after the file, so no connection outlives it.
import { afterAll, inject } from "vitest";

process.env.DATABASE_URL = inject("databaseUrl");
// through PgBouncer (RUNWATCH_TEST_PGBOUNCER=1) the monitor's advisory-lock lease needs a session
if (inject("directDatabaseUrl") !== inject("databaseUrl")) process.env.RUNWATCH_MONITOR_DATABASE_URL ??= inject("directDatabaseUrl");
// a few connections per file are plenty, and keep an embedded server or a small CI database calm
process.env.RUNWATCH_DB_POOL_SIZE ??= "4";
process.env.LOG_LEVEL ??= "warn";

afterAll(async () => {
  // a bulk job started by a test runs on after its request: let it finish before the pool closes
  const { settleBulkJobs } = await import("../../server/operations/bulk");
  await settleBulkJobs();
  const { closeDb } = await import("../../server/db/client");
  await closeDb();
});
