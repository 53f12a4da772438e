// Read replicas: with DATABASE_REPLICA_URLS set, readPool() and readPrisma() reads go through
// the replica pools (round-robin) and every write goes to the primary. Two URLs for the very
// same database stand in for two streaming replicas; each carries its own application_name so
// the server can tell which pool a query came through.
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb, pool, prisma, readPool, readPrisma, replicaPools } from "../../server/db/client";
import { replicaUrls } from "../../server/db/replicas";
import { createTestOrg } from "../setup/helpers";

const embedded = process.env.RUNWATCH_EMBEDDED_DB === "1";

function replicaUrl(name: string): string {
  const u = new URL(inject("databaseUrl"));
  u.searchParams.set("application_name", name);
  return u.toString();
}

/** Counts the connections each pool hands out (Prisma's adapter and pool.query both check one out). */
function countAcquires(p: pg.Pool): { n: number } {
  const counter = { n: 0 };
  p.on("acquire", () => counter.n++);
  return counter;
}

// PGlite serves one connection; replicaUrls() ignores replicas there, so there is nothing to route.
describe.skipIf(embedded)("read replicas (DATABASE_REPLICA_URLS)", () => {
  const previous = process.env.DATABASE_REPLICA_URLS;
  let primary: { n: number };
  let replicas: { n: number }[];
  let orgId: string;

  beforeAll(async () => {
    await closeDb();
    process.env.DATABASE_REPLICA_URLS = `${replicaUrl("rw_replica_1")}, ${replicaUrl("rw_replica_2")}`;
    orgId = (await createTestOrg()).orgId;
    primary = countAcquires(pool());
    replicas = replicaPools().map(countAcquires);
  });

  afterAll(async () => {
    await closeDb();
    if (previous === undefined) delete process.env.DATABASE_REPLICA_URLS;
    else process.env.DATABASE_REPLICA_URLS = previous;
  });

  const reset = () => {
    primary.n = 0;
    for (const r of replicas) r.n = 0;
  };

  it("parses the list and refuses entries that are not postgresql:// URLs", () => {
    expect(replicaUrls({ DATABASE_REPLICA_URLS: " postgresql://a/x ,postgres://b/y," })).toEqual(["postgresql://a/x", "postgres://b/y"]);
    expect(replicaUrls({})).toEqual([]);
    expect(replicaUrls({ DATABASE_REPLICA_URLS: "postgresql://a/x", RUNWATCH_EMBEDDED_DB: "1" })).toEqual([]);
    expect(() => replicaUrls({ DATABASE_REPLICA_URLS: "postgresql://a/x,mysql://b" })).toThrow(/entry 2 is not a postgresql:\/\/ URL/);
    expect(replicaPools()).toHaveLength(2);
  });

  it("sends readPool() queries to the replicas in turn, never to the primary", async () => {
    reset();
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { rows } = await readPool().query<{ name: string }>("SELECT current_setting('application_name') AS name");
      names.push(rows[0]!.name);
    }
    expect(names).toEqual(["rw_replica_1", "rw_replica_2", "rw_replica_1", "rw_replica_2"]);
    expect(replicas.map((r) => r.n)).toEqual([2, 2]);
    expect(primary.n).toBe(0);
    const { rows } = await pool().query<{ name: string }>("SELECT current_setting('application_name') AS name");
    expect(rows[0]!.name).not.toMatch(/rw_replica/);
  });

  it("sends readPrisma() reads to a replica and its writes to the primary", async () => {
    reset();
    await readPrisma().workflow.create({ data: { orgId, key: "replica.write", name: "Replica write" } });
    expect(primary.n).toBeGreaterThan(0);
    expect(replicas.reduce((a, r) => a + r.n, 0)).toBe(0);

    reset();
    const found = await readPrisma().workflow.findMany({ where: { orgId } });
    const n = await readPrisma().workflow.count({ where: { orgId } });
    expect(found.map((w) => w.key)).toEqual(["replica.write"]);
    expect(n).toBe(1);
    expect(replicas.reduce((a, r) => a + r.n, 0)).toBeGreaterThanOrEqual(2);
    expect(primary.n).toBe(0);
  });

  it("keeps prisma() and transactions on the primary", async () => {
    reset();
    await prisma().workflow.findMany({ where: { orgId } });
    await readPrisma().$transaction(async (tx) => {
      await tx.workflow.findMany({ where: { orgId } });
      await tx.workflow.updateMany({ where: { orgId }, data: { name: "Renamed" } });
    });
    expect(replicas.reduce((a, r) => a + r.n, 0)).toBe(0);
    expect(primary.n).toBeGreaterThanOrEqual(2);
  });

  it("falls back to the primary without DATABASE_REPLICA_URLS", async () => {
    await closeDb();
    delete process.env.DATABASE_REPLICA_URLS;
    expect(replicaPools()).toHaveLength(0);
    expect(readPool()).toBe(pool());
    expect(readPrisma()).toBe(prisma());
    const { rows } = await readPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM workflows WHERE "orgId" = $1`, [orgId]);
    expect(rows[0]!.n).toBe(1);
  });
});
