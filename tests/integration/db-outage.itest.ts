// A database outage (CONTRACT.md §3 "Errors"): with the PostgreSQL this test owns stopped, every
// route answers 503 with Retry-After (list, detail, ingest, the status write, tRPC over HTTP and
// createCaller, health), nothing crashes the process, and once PostgreSQL is back the same pool
// serves again without a restart.
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as health } from "../../app/api/health/route";
import { createMemberSession } from "../../server/auth/testing";
import type { AuthSession } from "../../server/auth/session";
import { resetConfigForTests } from "../../server/config";
import { closeDb, pool } from "../../server/db/client";
import { applyMigrations } from "../../server/db/migrate";
import { appRouter, createCaller } from "../../server/routers/_app";
import { createTRPCContext, trpcResponseMeta } from "../../server/trpc";
import { createCluster, type PgCluster } from "../setup/pg-cluster";
import { createTestApiKey, createTestOrg } from "../setup/helpers";
import { api } from "./api-helpers";

let cluster: PgCluster;
let savedUrl: string | undefined;
let key: string;
let slug: string;
let session: AuthSession;
const executionId = "outage-exec-1";
const crashes: unknown[] = [];
const onCrash = (err: unknown) => crashes.push(err);

beforeAll(async () => {
  cluster = await createCluster();
  await applyMigrations(cluster.url);
  savedUrl = process.env.DATABASE_URL;
  await closeDb();
  process.env.DATABASE_URL = cluster.url;
  resetConfigForTests();
  const org = await createTestOrg();
  slug = org.slug;
  key = (await createTestApiKey(org.orgId)).key;
  session = await createMemberSession(org.orgId, "OWNER");
  const first = await api.postEvents(key, { eventId: "o-1", executionId, workflow: "outage.wf", status: "RUNNING" });
  expect(first.status).toBe(200);
  process.on("uncaughtException", onCrash);
}, 120_000);

afterAll(async () => {
  process.off("uncaughtException", onCrash);
  await closeDb();
  process.env.DATABASE_URL = savedUrl;
  resetConfigForTests();
  await cluster?.destroy();
});

async function trpcOverHttp() {
  const input = encodeURIComponent(JSON.stringify({ json: { orgSlug: slug, query: "" } }));
  const req = new Request(`http://runwatch.test/api/trpc/dashboard.list?input=${input}`);
  const res = await fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => createTRPCContext({ headers: req.headers, session }),
    responseMeta: trpcResponseMeta,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { error?: { json: { message: string; data: { code: string } } } } };
}

const expect503 = (answer: { status: number; headers: Headers; body: { code?: string; error?: string } }, what: string) => {
  expect(answer.status, what).toBe(503);
  expect(answer.headers.get("retry-after"), what).toMatch(/^\d+$/);
  expect(answer.body.code, what).toBe("DATABASE_UNAVAILABLE");
  expect(answer.body.error, what).toMatch(/service unavailable/i);
};

describe("a PostgreSQL outage", () => {
  it("answers 503 with Retry-After everywhere while it lasts, and recovers without a restart", async () => {
    const poolBefore = pool();
    expect((await api.getExecution(key, executionId)).status).toBe(200);
    expect((await trpcOverHttp()).status).toBe(200);

    // a connection checked out while the server dies must not crash the process
    const held = await pool().connect();
    await cluster.stop();
    await held.query("SELECT 1").catch(() => {});
    held.release(true);

    expect503(await api.list(key), "list");
    expect503(await api.getExecution(key, executionId), "detail");
    expect503(await api.postEvents(key, { eventId: "o-2", executionId, status: "COMPLETED" }), "ingest");
    expect503(await api.putStatus(key, executionId, { status: "COMPLETED" }), "status write");
    expect503(await api.getWorkflow(key, "outage.wf"), "workflow");

    const trpc = await trpcOverHttp();
    expect(trpc.status).toBe(503);
    expect(trpc.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(trpc.body.error!.json.data.code).toBe("SERVICE_UNAVAILABLE");
    expect(trpc.body.error!.json.message).toMatch(/service unavailable/i);
    const caller = createCaller(await createTRPCContext({ headers: new Headers(), session }));
    await expect(caller.orgs.current({ orgSlug: slug })).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    expect((await health()).status).toBe(503);

    await cluster.start();
    const back = Date.now();
    let status = 0;
    while (Date.now() - back < 15_000) {
      status = (await api.getExecution(key, executionId)).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    console.log(`recovered ${Date.now() - back} ms after PostgreSQL was back`);
    expect(pool()).toBe(poolBefore);
    expect((await api.postEvents(key, { eventId: "o-3", executionId, status: "COMPLETED" })).body.results[0].outcome).toBe("applied");
    expect((await trpcOverHttp()).status).toBe(200);
    expect(crashes).toEqual([]);
  });
});
