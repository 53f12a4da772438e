// The platform admin's overview: per organization its last 24 hours, failure rate, stuck now and
// open alerts, checked against rows made for the purpose; and only platform admins may see it.
import { describe, expect, it } from "vitest";
import { listOrgOverview } from "../../server/admin/service";
import { createMemberSession, createSessionUser } from "../../server/auth/testing";
import { pool } from "../../server/db/client";
import { ingestEvents } from "../../server/ingest/service";
import { createCaller } from "../../server/routers/_app";
import { secretFieldPaths } from "../../server/settings/testing";
import { createTRPCContext } from "../../server/trpc";
import { createTestOrg } from "../setup/helpers";

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const H = 3600_000;

describe("platform admin overview", () => {
  it("counts the last 24 h, the failure rate among finished executions, stuck now and open alerts per organization", async () => {
    const busy = await createTestOrg();
    const quiet = await createTestOrg();
    const events = [
      ...["a", "b", "c"].map((x) => ({ eventId: `${x}-1`, executionId: x, workflow: "wf", status: "COMPLETED", occurredAt: ago(H) })),
      { eventId: "d-1", executionId: "d", workflow: "wf", status: "FAILED", occurredAt: ago(H) },
      // still running, no sign of life for 2 h: stuck under the default 30 min
      { eventId: "e-1", executionId: "e", workflow: "wf", status: "RUNNING", occurredAt: ago(2 * H) },
      // older than 24 h: not counted in the day, though it is stuck too
      { eventId: "f-1", executionId: "f", workflow: "wf", status: "SCHEDULED", occurredAt: ago(30 * H) },
    ];
    const results = await ingestEvents({ orgId: busy.orgId }, { events });
    expect(results.every((r) => r.outcome === "applied")).toBe(true);
    await pool().query(`UPDATE executions SET "createdAt" = $2 WHERE "orgId" = $1 AND "executionId" = 'f'`, [busy.orgId, ago(30 * H)]);
    const { rows: wf } = await pool().query(`SELECT id FROM workflows WHERE "orgId" = $1`, [busy.orgId]);
    await pool().query(
      `INSERT INTO alerts ("orgId", reason, "workflowId", "executionId", state, since) VALUES ($1, 'running', $2, 'e', 'FIRING', now()), ($1, 'scheduled', $2, 'f', 'RESOLVED', now())`,
      [busy.orgId, wf[0].id],
    );

    const { items } = await listOrgOverview();
    const b = items.find((i) => i.orgId === busy.orgId)!;
    const q = items.find((i) => i.orgId === quiet.orgId)!;
    expect(b).toMatchObject({ slug: busy.slug, executions24h: 5, failureRate24h: 0.25, stuckNow: 2, openAlerts: 1 });
    expect(q).toMatchObject({ slug: quiet.slug, executions24h: 0, failureRate24h: null, stuckNow: 0, openAlerts: 0 });
  });

  it("the procedure answers platform admins only; everyone else gets NOT_FOUND", async () => {
    const org = await createTestOrg();
    const owner = await createMemberSession(org.orgId, "OWNER");
    const asOwner = createCaller(await createTRPCContext({ headers: new Headers(), session: owner }));
    await expect(asOwner.admin.organizations()).rejects.toMatchObject({ code: "NOT_FOUND" });
    const asAnon = createCaller(await createTRPCContext({ headers: new Headers(), session: null }));
    await expect(asAnon.admin.organizations()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const admin = createCaller(await createTRPCContext({ headers: new Headers(), session: await createSessionUser({ isPlatformAdmin: true }) }));
    const out = await admin.admin.organizations();
    expect(out.items.map((i) => i.slug)).toContain(org.slug);
    expect(secretFieldPaths(out)).toEqual([]);
  });
});
