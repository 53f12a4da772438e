import { describe, expect, it } from "vitest";
import { GET } from "../../app/api/health/route";

describe("GET /api/health", () => {
  it("answers ok when the database answers", async () => {
    const res = await GET();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});

describe("GET /api/health/ready", () => {
  it("is ready when every migration folder has been applied", async () => {
    const { GET: ready } = await import("../../app/api/health/ready/route");
    const res = await ready();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ready", database: true, pendingMigrations: [] });
  });

  it("names the migrations that are not applied yet", async () => {
    const { mkdtemp, mkdir, rm } = await import("node:fs/promises");
    const os = await import("node:os");
    const path = await import("node:path");
    const { readiness } = await import("../../server/health/service");
    const dir = await mkdtemp(path.join(os.tmpdir(), "rw-migrations-"));
    try {
      await mkdir(path.join(dir, "20261123000000_init"));
      await mkdir(path.join(dir, "29990101000000_from_the_future"));
      expect(await readiness(dir)).toEqual({ ready: false, database: true, pendingMigrations: ["29990101000000_from_the_future"] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("GET /api/health without a database", () => {
  it("answers 503 when the database does not answer", async () => {
    const { closeDb } = await import("../../server/db/client");
    const { databaseAnswers } = await import("../../server/health/service");
    const saved = process.env.DATABASE_URL;
    await closeDb();
    process.env.DATABASE_URL = "postgresql://nobody@127.0.0.1:1/nowhere";
    const { resetConfigForTests } = await import("../../server/config");
    resetConfigForTests();
    try {
      expect(await databaseAnswers()).toBe(false);
    } finally {
      await closeDb();
      process.env.DATABASE_URL = saved;
      resetConfigForTests();
    }
  });
});
