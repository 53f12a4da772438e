// vitest globalSetup for the integration project: one migrated database for the whole run.
import type { TestProject } from "vitest/node";
import { provisionTestDatabase } from "./provision-db";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    /** "embedded" (PGlite) cannot create a second database over its socket */
    databaseKind: "server" | "embedded";
  }
}

export default async function setup(project: TestProject) {
  const db = await provisionTestDatabase();
  process.env.DATABASE_URL = db.url;
  project.provide("databaseUrl", db.url);
  project.provide("databaseKind", db.kind);
  return async () => {
    await db.teardown();
  };
}
