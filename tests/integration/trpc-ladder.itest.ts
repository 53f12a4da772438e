// The procedure ladder itself: session, organization resolution, permissions, platform admins,
// CSRF and error mapping, through createCaller against a real database.
import { describe, expect, it } from "vitest";
import { createMemberSession, createSessionUser } from "../../server/auth/testing";
import type { AuthSession } from "../../server/auth/session";
import { pool } from "../../server/db/client";
import { createCaller } from "../../server/routers/_app";
import { PLATFORM_ADMIN_VISIT_ACTION } from "../../server/rbac/access";
import { createTRPCContext } from "../../server/trpc";
import { createTestOrg } from "../setup/helpers";

async function callerAs(session: AuthSession | null, headers = new Headers()) {
  return createCaller(await createTRPCContext({ headers, session }));
}

async function auditRows(orgId: string) {
  const { rows } = await pool().query<{ action: string; actorUserId: string | null; success: boolean; details: Record<string, unknown> | null }>(
    `SELECT action, "actorUserId", success, details FROM audit_logs WHERE "orgId" = $1 ORDER BY id`,
    [orgId],
  );
  return rows;
}

describe("procedure ladder", () => {
  it("answers UNAUTHORIZED without a session, and only then", async () => {
    const org = await createTestOrg();
    const anon = await callerAs(null);
    await expect(anon.session.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(anon.orgs.current({ orgSlug: org.slug })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const outsider = await callerAs(await createSessionUser());
    await expect(outsider.orgs.current({ orgSlug: org.slug })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("resolves the organization and role for a member", async () => {
    const org = await createTestOrg();
    const viewer = await createMemberSession(org.orgId, "VIEWER");
    const current = await (await callerAs(viewer)).orgs.current({ orgSlug: org.slug });
    expect(current).toMatchObject({ org: { id: org.orgId, slug: org.slug }, role: "VIEWER", readOnly: false });
    expect(current.permissions).toContain("executions:read");
    expect(current.permissions).not.toContain("executions:operate");
  });

  it("answers an unknown organization and someone else's the same way", async () => {
    const mine = await createTestOrg();
    const theirs = await createTestOrg();
    const me = await callerAs(await createMemberSession(mine.orgId, "OWNER"));
    const unknown = await me.orgs.current({ orgSlug: "no-such-org-here" }).catch((e: unknown) => e);
    const foreign = await me.orgs.current({ orgSlug: theirs.slug }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: "NOT_FOUND" });
    expect(foreign).toMatchObject({ code: "NOT_FOUND" });
  });

  it("gives a platform admin read-only access and audits the visit once per session", async () => {
    const org = await createTestOrg();
    const admin = await createSessionUser({ isPlatformAdmin: true });
    const c = await callerAs(admin);
    const current = await c.orgs.current({ orgSlug: org.slug });
    expect(current).toMatchObject({ role: null, readOnly: true });
    expect(current.permissions.sort()).toEqual(["alerts:read", "audit:read", "executions:read"]);
    await c.workflows.list({ orgSlug: org.slug });
    await Promise.all([c.orgs.current({ orgSlug: org.slug }), c.workflows.list({ orgSlug: org.slug })]);
    await expect(c.executions.cancel({ orgSlug: org.slug, executionId: "x", reason: "no" })).rejects.toMatchObject({ code: "FORBIDDEN" });

    const visits = (await auditRows(org.orgId)).filter((r) => r.action === PLATFORM_ADMIN_VISIT_ACTION);
    expect(visits).toHaveLength(1);
    expect(visits[0]).toMatchObject({ actorUserId: admin.user.id, success: true, details: { sessionId: admin.sessionId } });

    // a new session is a new visit
    await (await callerAs({ ...admin, sessionId: `${admin.sessionId}-2` })).orgs.current({ orgSlug: org.slug });
    expect((await auditRows(org.orgId)).filter((r) => r.action === PLATFORM_ADMIN_VISIT_ACTION)).toHaveLength(2);
  });

  it("refuses a cross-site mutation over HTTP and accepts a same-origin one", async () => {
    const org = await createTestOrg();
    const operator = await createMemberSession(org.orgId, "OPERATOR");
    const ctx = async (h: Record<string, string>) => ({ ...(await createTRPCContext({ headers: new Headers({ host: "rw.example", ...h }), session: operator })), viaHttp: true });
    const input = { orgSlug: org.slug, executionId: "nope", reason: "test" };
    const crossSite: Record<string, string>[] = [{ origin: "https://evil.example" }, { referer: "https://evil.example/x" }, {}];
    for (const h of crossSite) {
      await expect(createCaller(await ctx(h)).executions.cancel(input)).rejects.toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("cross-site") });
    }
    // same origin gets through the guard (and then finds no such execution)
    await expect(createCaller(await ctx({ origin: "https://rw.example" })).executions.cancel(input)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(createCaller(await ctx({ referer: "http://rw.example/o/x" })).executions.cancel(input)).rejects.toMatchObject({ code: "NOT_FOUND" });
    // queries are not mutations
    await expect(createCaller(await ctx({ origin: "https://evil.example" })).orgs.current({ orgSlug: org.slug })).resolves.toBeTruthy();
  });
});
