// The simulator's BullMQ engine end to end: real queues and workers on Redis, reported through
// the connector to a real Runwatch API process.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { pool } from "../../server/db/client";
import { runBullmqEngine } from "../../server/simulator/bullmq";
import { type ApiProcess, startApiProcess } from "../setup/api-process";
import { createTestApiKey, createTestOrg } from "../setup/helpers";

// an API process beside the test process needs a PostgreSQL server: embedded PGlite serves one
// connection to one process (as in scaleout.itest.ts)
const EMBEDDED = process.env.RUNWATCH_EMBEDDED_DB === "1";

let api: ApiProcess;
let apiKey: string;
let orgId: string;

beforeAll(async () => {
  ({ orgId } = await createTestOrg());
  apiKey = (await createTestApiKey(orgId)).key;
  api = await startApiProcess(inject("databaseUrl"));
}, 90_000);

afterAll(async () => {
  await api?.stop();
});

describe.skipIf(EMBEDDED)("npm run simulate -- --engine bullmq", () => {
  it("shows real BullMQ jobs in Runwatch", async () => {
    const prefix = `sim-${randomBytes(3).toString("hex")}.`;
    const demo = await runBullmqEngine({ url: api.base, apiKey, rate: 20, seed: 7, durationSeconds: 1.5, queuePrefix: prefix, timeScale: 0.05, log: () => {} });
    await demo.done;
    // let short jobs finish, then stop (workers finish what they hold)
    await new Promise((r) => setTimeout(r, 1500));
    await demo.stop();
    const { rows } = await pool().query<{ workflow: string; status: string; n: number }>(
      `SELECT w.key AS workflow, e.status::text AS status, count(*)::int AS n FROM executions e JOIN workflows w ON w.id = e."workflowId"
        WHERE e."orgId" = $1 GROUP BY 1, 2`,
      [orgId],
    );
    const total = rows.reduce((s, r) => s + r.n, 0);
    expect(total).toBeGreaterThanOrEqual(20);
    expect(rows.every((r) => r.workflow.startsWith(prefix))).toBe(true);
    expect(rows.some((r) => r.status === "COMPLETED")).toBe(true);
  }, 30_000);
});
