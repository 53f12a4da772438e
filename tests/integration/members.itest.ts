// Members: add (existing or new user), change role, remove; the last-OWNER and OWNER-grant rules;
// one audit entry per call, denied ones included; and the members procedures from another
// organization (NOT_FOUND) and without the permission (FORBIDDEN).
import { PEER_HEADER, peerHeaderValue } from "../../server/http/client-address";
import { verifyPassword } from "better-auth/crypto";
import { describe, expect, it } from "vitest";
import { createMemberSession, createSessionUser } from "../../server/auth/testing";
import type { AuthSession } from "../../server/auth/session";
import { pool } from "../../server/db/client";
import { addMember, changeMemberRole, listMembers, removeMember } from "../../server/members/service";
import type { Role } from "../../server/rbac/permissions";
import { createCaller } from "../../server/routers/_app";
import type { ServiceContext } from "../../server/rbac/audited";
import { secretFieldPaths } from "../../server/settings/testing";
import { createTRPCContext } from "../../server/trpc";
import { createUser } from "../../server/users/service";
import { createTestOrg } from "../setup/helpers";

const ctxOf = (orgId: string, s: AuthSession, role: Role | null): ServiceContext => ({
  orgId,
  actor: { type: "USER", userId: s.user.id, label: s.user.email },
  role,
  ip: "203.0.113.7",
  userAgent: "vitest",
});

async function auditRows(orgId: string) {
  const { rows } = await pool().query(
    `SELECT action, "actorType", "actorUserId", "resourceType", "resourceId", before, after, details, ip, "userAgent", success
       FROM audit_logs WHERE "orgId" = $1 AND action LIKE 'member.%' ORDER BY id`,
    [orgId],
  );
  return rows;
}

const roleOf = async (orgId: string, userId: string) =>
  (await pool().query<{ role: string }>(`SELECT role::text FROM memberships WHERE "orgId" = $1 AND "userId" = $2`, [orgId, userId])).rows[0]?.role ?? null;

const email = () => `m-${Math.random().toString(36).slice(2, 10)}@example.com`;

const expectNoSecretFields = (value: unknown) => expect(secretFieldPaths(value)).toEqual([]);

describe("members service", () => {
  it("adds an existing user, creates a new one who can sign in, refuses duplicates; one audit entry each", async () => {
    const { orgId } = await createTestOrg();
    const owner = await createMemberSession(orgId, "OWNER");
    const ctx = ctxOf(orgId, owner, "OWNER");
    const existing = await createUser({ email: email(), password: "correct horse battery" });

    const added = await addMember(ctx, { email: existing.email.toUpperCase(), role: "OPERATOR" });
    expect(added).toMatchObject({ userId: existing.id, email: existing.email, role: "OPERATOR", userCreated: false });

    const newEmail = email();
    const created = await addMember(ctx, { email: newEmail, role: "VIEWER", password: "a long enough password", name: "New Person" });
    expect(created).toMatchObject({ email: newEmail, name: "New Person", role: "VIEWER", userCreated: true });
    const { rows } = await pool().query(`SELECT password FROM accounts WHERE "userId" = $1 AND "providerId" = 'credential'`, [created.userId]);
    expect(rows[0].password).not.toContain("a long enough password");
    expect(await verifyPassword({ hash: rows[0].password, password: "a long enough password" })).toBe(true);

    await expect(addMember(ctx, { email: newEmail, role: "ADMIN" })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(addMember(ctx, { email: existing.email, role: "ADMIN", password: "another password" })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(addMember(ctx, { email: email(), role: "ADMIN" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("password") });

    expect((await listMembers({ orgId })).map((m) => [m.email, m.role])).toEqual([
      [owner.user.email, "OWNER"],
      [existing.email, "OPERATOR"],
      [newEmail, "VIEWER"],
    ]);
    const audit = await auditRows(orgId);
    expect(audit.map((a) => [a.action, a.success])).toEqual([
      ["member.add", true],
      ["member.add", true],
      ["member.add", false],
      ["member.add", false],
      ["member.add", false],
    ]);
    expect(audit[1]).toMatchObject({ actorType: "USER", actorUserId: owner.user.id, resourceId: created.userId, ip: "203.0.113.7", userAgent: "vitest", after: { email: newEmail, role: "VIEWER" } });
    expectNoSecretFields(audit);
    // a failed add leaves no user behind
    expect((await pool().query(`SELECT 1 FROM users WHERE email = $1`, [newEmail])).rowCount).toBe(1);
  });

  it("keeps the last OWNER: cannot be demoted or removed until another OWNER exists", async () => {
    const { orgId } = await createTestOrg();
    const owner = await createMemberSession(orgId, "OWNER");
    const ctx = ctxOf(orgId, owner, "OWNER");
    await expect(changeMemberRole(ctx, { userId: owner.user.id, role: "ADMIN" })).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("last OWNER") });
    await expect(removeMember(ctx, { userId: owner.user.id })).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("last OWNER") });
    expect(await roleOf(orgId, owner.user.id)).toBe("OWNER");

    const second = await createMemberSession(orgId, "ADMIN");
    const promoted = await changeMemberRole(ctx, { userId: second.user.id, role: "OWNER" });
    expect(promoted.role).toBe("OWNER");
    // now the first owner may step down, and the second is the last one
    await changeMemberRole(ctx, { userId: owner.user.id, role: "VIEWER" });
    const ctx2 = ctxOf(orgId, second, "OWNER");
    await expect(removeMember(ctx2, { userId: second.user.id })).rejects.toMatchObject({ code: "CONFLICT" });
    await removeMember(ctx2, { userId: owner.user.id });
    expect(await roleOf(orgId, owner.user.id)).toBeNull();

    expect((await auditRows(orgId)).map((a) => [a.action, a.success])).toEqual([
      ["member.change_role", false],
      ["member.remove", false],
      ["member.change_role", true],
      ["member.change_role", true],
      ["member.remove", false],
      ["member.remove", true],
    ]);
    const audit = await auditRows(orgId);
    expect(audit[3]).toMatchObject({ before: { role: "OWNER" }, after: { role: "VIEWER" }, resourceId: owner.user.id });
    expect(audit[0].details).toMatchObject({ error: "CONFLICT" });
  });

  it("two owners demoting each other at once leave one OWNER", async () => {
    const { orgId } = await createTestOrg();
    const a = await createMemberSession(orgId, "OWNER");
    const b = await createMemberSession(orgId, "OWNER");
    const results = await Promise.allSettled([
      changeMemberRole(ctxOf(orgId, a, "OWNER"), { userId: b.user.id, role: "ADMIN" }),
      changeMemberRole(ctxOf(orgId, b, "OWNER"), { userId: a.user.id, role: "ADMIN" }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const { rows } = await pool().query(`SELECT count(*)::int AS n FROM memberships WHERE "orgId" = $1 AND role = 'OWNER'`, [orgId]);
    expect(rows[0].n).toBe(1);
  });

  it("only an OWNER may grant OWNER, or demote or remove one", async () => {
    const { orgId } = await createTestOrg();
    const owner = await createMemberSession(orgId, "OWNER");
    const admin = await createMemberSession(orgId, "ADMIN");
    const viewer = await createMemberSession(orgId, "VIEWER");
    const ctx = ctxOf(orgId, admin, "ADMIN");
    await expect(changeMemberRole(ctx, { userId: viewer.user.id, role: "OWNER" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(changeMemberRole(ctx, { userId: admin.user.id, role: "OWNER" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(changeMemberRole(ctx, { userId: owner.user.id, role: "VIEWER" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(removeMember(ctx, { userId: owner.user.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(addMember(ctx, { email: email(), role: "OWNER", password: "a long enough password" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    // an ADMIN may still manage everyone below OWNER
    expect(await changeMemberRole(ctx, { userId: viewer.user.id, role: "ADMIN" })).toMatchObject({ role: "ADMIN" });
    expect([await roleOf(orgId, owner.user.id), await roleOf(orgId, admin.user.id)]).toEqual(["OWNER", "ADMIN"]);
    expect((await auditRows(orgId)).map((a) => a.success)).toEqual([false, false, false, false, false, true]);
  });

  it("a role without members:manage is refused with one denied audit entry and no change", async () => {
    const { orgId } = await createTestOrg();
    const operator = await createMemberSession(orgId, "OPERATOR");
    const viewer = await createMemberSession(orgId, "VIEWER");
    const ctx = ctxOf(orgId, operator, "OPERATOR");
    await expect(changeMemberRole(ctx, { userId: viewer.user.id, role: "ADMIN" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(removeMember(ctx, { userId: viewer.user.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(addMember(ctx, { email: email(), role: "VIEWER", password: "a long enough password" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await roleOf(orgId, viewer.user.id)).toBe("VIEWER");
    const audit = await auditRows(orgId);
    expect(audit.map((a) => [a.action, a.success, a.actorUserId])).toEqual([
      ["member.change_role", false, operator.user.id],
      ["member.remove", false, operator.user.id],
      ["member.add", false, operator.user.id],
    ]);
  });

  it("another organization's member cannot be changed or removed (NOT_FOUND, no change)", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const victim = await createMemberSession(a.orgId, "ADMIN");
    const ownerB = await createMemberSession(b.orgId, "OWNER");
    const ctx = ctxOf(b.orgId, ownerB, "OWNER");
    await expect(changeMemberRole(ctx, { userId: victim.user.id, role: "VIEWER" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(removeMember(ctx, { userId: victim.user.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await roleOf(a.orgId, victim.user.id)).toBe("ADMIN");
    expect(await listMembers({ orgId: b.orgId })).toHaveLength(1);
    expect(await auditRows(a.orgId)).toEqual([]);
  });
});

async function callerAs(session: AuthSession | null) {
  return createCaller(await createTRPCContext({ headers: new Headers({ "user-agent": "vitest-trpc", [PEER_HEADER]: peerHeaderValue("198.51.100.4") }), session }));
}

describe("members procedures", () => {
  it("list, add, changeRole, remove as an ADMIN; outputs carry no secrets", async () => {
    const org = await createTestOrg();
    await createMemberSession(org.orgId, "OWNER");
    const admin = await createMemberSession(org.orgId, "ADMIN");
    const c = await callerAs(admin);
    const added = await c.members.add({ orgSlug: org.slug, email: email(), role: "VIEWER", password: "a long enough password" });
    const changed = await c.members.changeRole({ orgSlug: org.slug, userId: added.userId, role: "OPERATOR" });
    const list = await c.members.list({ orgSlug: org.slug });
    const removed = await c.members.remove({ orgSlug: org.slug, userId: added.userId });
    expect(list.items.map((m) => m.role)).toEqual(["OWNER", "ADMIN", "OPERATOR"]);
    expect(removed).toEqual({ userId: added.userId });
    for (const out of [added, changed, list, removed]) expectNoSecretFields(out);
    const audit = await auditRows(org.orgId);
    expect(audit.map((a) => [a.action, a.success, a.ip, a.userAgent])).toEqual([
      ["member.add", true, "198.51.100.4", "vitest-trpc"],
      ["member.change_role", true, "198.51.100.4", "vitest-trpc"],
      ["member.remove", true, "198.51.100.4", "vitest-trpc"],
    ]);
  });

  it("as a VIEWER or OPERATOR: FORBIDDEN, no change, one denied entry per mutation", async () => {
    const org = await createTestOrg();
    const target = await createMemberSession(org.orgId, "VIEWER");
    for (const role of ["VIEWER", "OPERATOR"] as const) {
      const c = await callerAs(await createMemberSession(org.orgId, role));
      await expect(c.members.list({ orgSlug: org.slug })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(c.members.add({ orgSlug: org.slug, email: email(), role: "ADMIN", password: "a long enough password" })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(c.members.changeRole({ orgSlug: org.slug, userId: target.user.id, role: "ADMIN" })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(c.members.remove({ orgSlug: org.slug, userId: target.user.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    expect(await roleOf(org.orgId, target.user.id)).toBe("VIEWER");
    expect((await listMembers({ orgId: org.orgId })).length).toBe(3);
    const audit = await auditRows(org.orgId);
    expect(audit.map((a) => [a.action, a.success])).toEqual([
      ["member.add", false],
      ["member.change_role", false],
      ["member.remove", false],
      ["member.add", false],
      ["member.change_role", false],
      ["member.remove", false],
    ]);
    expect(audit[1].resourceId).toBe(target.user.id);
  });

  it("from another organization: NOT_FOUND and no data", async () => {
    const org = await createTestOrg();
    const other = await createTestOrg();
    const target = await createMemberSession(org.orgId, "VIEWER");
    const c = await callerAs(await createMemberSession(other.orgId, "OWNER"));
    await expect(c.members.list({ orgSlug: org.slug })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(c.members.add({ orgSlug: org.slug, email: email(), role: "ADMIN", password: "a long enough password" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(c.members.changeRole({ orgSlug: org.slug, userId: target.user.id, role: "ADMIN" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(c.members.remove({ orgSlug: org.slug, userId: target.user.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    // and in its own organization, the other organization's member does not exist
    await expect(c.members.remove({ orgSlug: other.slug, userId: target.user.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await roleOf(org.orgId, target.user.id)).toBe("VIEWER");
    expect(await auditRows(org.orgId)).toEqual([]);
  });

  it("a platform admin visiting read-only cannot manage members", async () => {
    const org = await createTestOrg();
    const c = await callerAs(await createSessionUser({ isPlatformAdmin: true }));
    await expect(c.members.add({ orgSlug: org.slug, email: email(), role: "OWNER", password: "a long enough password" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await listMembers({ orgId: org.orgId })).toEqual([]);
  });
});
