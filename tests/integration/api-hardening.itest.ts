// Pacing and restarts: successful ingestion answers carry the RateLimit header fields (so an
// SDK can pace itself) and a 429 carries Retry-After; `npm start`'s demo credentials reuse the
// key saved in .runwatch/ instead of minting a new one on every start.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { pool } from "../../server/db/client";
import { loadOrRenewDemoCredentials } from "../../server/demo/credentials";
import { DEMO_ORG_SLUG } from "../../server/demo/seed";
import { createOrg, findOrgBySlug } from "../../server/orgs/service";
import { createTestApiKey, createTestOrg } from "../setup/helpers";
import { saveEnv } from "../setup/saved-env";
import { api } from "./api-helpers";

describe("rate-limit headers", () => {
  it("a successful ingestion says limit, remaining and reset; the 429 says when to retry", async () => {
    const org = await createTestOrg();
    const { key } = await createTestApiKey(org.orgId);
    // the configured limiter, on a clock that moves only when the test says so
    const restoreEnv = saveEnv(["RUNWATCH_RATE_LIMIT_PER_SECOND", "RUNWATCH_RATE_LIMIT_BURST"]);
    process.env.RUNWATCH_RATE_LIMIT_PER_SECOND = "1";
    process.env.RUNWATCH_RATE_LIMIT_BURST = "3";
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    try {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await api.postEvents(key, { eventId: `rl-${i}`, executionId: `rl-x-${i}`, workflow: "wf.rl", status: "RUNNING" }));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
      expect(answers.map((a) => a.headers.get("ratelimit-remaining"))).toEqual(["2", "1", "0", "0"]);
      for (const a of answers) expect(a.headers.get("ratelimit-limit")).toBe("3");
      expect(Number(answers[2]!.headers.get("ratelimit-reset"))).toBe(3);
      expect(answers[3]!.headers.get("retry-after")).toBe("1");
      expect(answers[3]!.body).toMatchObject({ code: "RATE_LIMITED" });
      vi.setSystemTime(Date.now() + 1_000);
      expect((await api.postEvents(key, { eventId: "rl-5", executionId: "rl-x-5", workflow: "wf.rl", status: "RUNNING" })).status).toBe(200);
    } finally {
      vi.useRealTimers();
      restoreEnv();
    }
  });
});

describe("npm start's demo key", () => {
  let dir: string;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("is minted once and reused on every later start", async () => {
    const org = (await findOrgBySlug(DEMO_ORG_SLUG)) ?? (await createOrg({ slug: DEMO_ORG_SLUG }));
    dir = await mkdtemp(path.join(tmpdir(), "runwatch-demo-"));
    const count = async () => (await pool().query(`SELECT count(*)::int AS n FROM api_keys WHERE "orgId" = $1 AND "revokedAt" IS NULL`, [org.id])).rows[0].n as number;
    const before = await count();
    const first = await loadOrRenewDemoCredentials(dir);
    const again = [await loadOrRenewDemoCredentials(dir), await loadOrRenewDemoCredentials(dir)];
    expect(first.renewed).toBe(true);
    expect(again.map((c) => [c.apiKey, c.renewed])).toEqual([
      [first.apiKey, false],
      [first.apiKey, false],
    ]);
    expect(await count()).toBe(before + 1);
  });
});
