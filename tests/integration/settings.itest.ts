// API keys and organization settings: services and procedures. A key is shown once, listed with its
// prefix and creator and never its hash; a revoked key gets 401 on the HTTP API at once; threshold
// defaults are validated; rename and delete are OWNER-only, and delete removes every row the
// organization owns while its audit log stays. Each call is also made from another organization
// (NOT_FOUND, no data) and by a role without the permission (FORBIDDEN, no change, one denied entry).
import { PEER_HEADER, peerHeaderValue } from "../../server/http/client-address";
import { describe, expect, it } from "vitest";
import { hashApiKey } from "../../server/apikeys/keys";
import { createMemberSession, createSessionUser } from "../../server/auth/testing";
import type { AuthSession } from "../../server/auth/session";
import { pool } from "../../server/db/client";
import type { Role } from "../../server/rbac/permissions";
import { createCaller } from "../../server/routers/_app";
import { createOrgApiKey, listApiKeys, revokeOrgApiKey } from "../../server/settings/apiKeys";
import type { ServiceContext } from "../../server/rbac/audited";
import { secretFieldPaths } from "../../server/settings/testing";
import { deleteOrg, getOrgSettings, renameOrg, updateOrgThresholds } from "../../server/settings/org";
import { createTRPCContext } from "../../server/trpc";
import { createTestOrg } from "../setup/helpers";
import { api } from "./api-helpers";

const ctxOf = (orgId: string, s: AuthSession, role: Role | null): ServiceContext => ({
  orgId,
  actor: { type: "USER", userId: s.user.id, label: s.user.email },
  role,
  ip: "203.0.113.9",
  userAgent: "vitest",
});

const expectNoSecretFields = (value: unknown) => expect(secretFieldPaths(value)).toEqual([]);

async function auditRows(orgId: string, prefix: string) {
  const { rows } = await pool().query(
    `SELECT action, "actorUserId", "resourceId", before, after, details, ip, "userAgent", success FROM audit_logs WHERE "orgId" = $1 AND action LIKE $2 ORDER BY id`,
    [orgId, `${prefix}%`],
  );
  return rows;
}

async function callerAs(session: AuthSession | null) {
  return createCaller(await createTRPCContext({ headers: new Headers({ "user-agent": "vitest-trpc", [PEER_HEADER]: peerHeaderValue("198.51.100.5") }), session }));
}

const event = (n: number) => ({ eventId: `e-${n}-${Math.random()}`, executionId: `x-${n}`, workflow: "wf", status: "RUNNING" });

describe("API keys service", () => {
  it("creates a key shown once, stores only its hash, lists it with creator and last use, revokes it: 401 at once", async () => {
    const { orgId } = await createTestOrg();
    const admin = await createMemberSession(orgId, "ADMIN");
    const created = await createOrgApiKey(ctxOf(orgId, admin, "ADMIN"), { name: "ci deploys" });
    expect(created.key).toMatch(/^rw_[A-Za-z0-9_-]{32,}$/);
    expect(created.apiKey).toMatchObject({ name: "ci deploys", prefix: created.key.slice(0, 10), revokedAt: null, lastUsedAt: null, createdBy: { userId: admin.user.id } });

    const { rows } = await pool().query(`SELECT * FROM api_keys WHERE "orgId" = $1`, [orgId]);
    expect(JSON.stringify(rows)).not.toContain(created.key);
    expect(rows[0].keyHash).toBe(hashApiKey(created.key));

    expect((await api.postEvents(created.key, event(1))).status).toBe(200);
    const [listed] = await listApiKeys({ orgId });
    expect(listed).toMatchObject({ id: created.apiKey.id, prefix: created.apiKey.prefix, lastUsedAt: expect.any(Date) });
    expectNoSecretFields(await listApiKeys({ orgId }));
    expect(JSON.stringify(await listApiKeys({ orgId }))).not.toContain(created.key);

    const revoked = await revokeOrgApiKey(ctxOf(orgId, admin, "ADMIN"), { id: created.apiKey.id });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    // the very next request is refused
    expect((await api.postEvents(created.key, event(2))).status).toBe(401);
    expect((await api.list(created.key)).status).toBe(401);
    await expect(revokeOrgApiKey(ctxOf(orgId, admin, "ADMIN"), { id: created.apiKey.id })).rejects.toMatchObject({ code: "CONFLICT" });

    const audit = await auditRows(orgId, "api_key.");
    expect(audit.map((a) => [a.action, a.success])).toEqual([
      ["api_key.create", true],
      ["api_key.revoke", true],
      ["api_key.revoke", false],
    ]);
    expect(audit[0]).toMatchObject({ actorUserId: admin.user.id, resourceId: created.apiKey.id, after: { name: "ci deploys", prefix: created.apiKey.prefix }, ip: "203.0.113.9", userAgent: "vitest" });
    expect(JSON.stringify(audit)).not.toContain(created.key);
    expect(JSON.stringify(audit)).not.toContain(hashApiKey(created.key));
  });

  it("a VIEWER cannot create or revoke (FORBIDDEN, no change, one denied entry each)", async () => {
    const { orgId } = await createTestOrg();
    const admin = await createMemberSession(orgId, "ADMIN");
    const viewer = await createMemberSession(orgId, "VIEWER");
    const k = await createOrgApiKey(ctxOf(orgId, admin, "ADMIN"), { name: "k" });
    await expect(createOrgApiKey(ctxOf(orgId, viewer, "VIEWER"), { name: "mine" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(revokeOrgApiKey(ctxOf(orgId, viewer, "VIEWER"), { id: k.apiKey.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await listApiKeys({ orgId })).map((x) => [x.name, x.revokedAt])).toEqual([["k", null]]);
    expect((await auditRows(orgId, "api_key.")).map((a) => [a.action, a.success, a.actorUserId])).toEqual([
      ["api_key.create", true, admin.user.id],
      ["api_key.create", false, viewer.user.id],
      ["api_key.revoke", false, viewer.user.id],
    ]);
  });

  it("another organization can neither see nor revoke a key", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const ownerA = await createMemberSession(a.orgId, "OWNER");
    const ownerB = await createMemberSession(b.orgId, "OWNER");
    const k = await createOrgApiKey(ctxOf(a.orgId, ownerA, "OWNER"), { name: "a's key" });
    expect(await listApiKeys({ orgId: b.orgId })).toEqual([]);
    await expect(revokeOrgApiKey(ctxOf(b.orgId, ownerB, "OWNER"), { id: k.apiKey.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(revokeOrgApiKey(ctxOf(b.orgId, ownerB, "OWNER"), { id: "not-a-uuid" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await listApiKeys({ orgId: a.orgId }))[0]!.revokedAt).toBeNull();
    expect((await api.postEvents(k.key, event(1))).status).toBe(200);
  });
});

describe("organization settings service", () => {
  it("validates and updates the stuck-threshold defaults (ADMIN), audited with before/after", async () => {
    const { orgId } = await createTestOrg();
    const admin = await createMemberSession(orgId, "ADMIN");
    const ctx = ctxOf(orgId, admin, "ADMIN");
    expect(await updateOrgThresholds(ctx, { stuckScheduledAfterSeconds: 120 })).toMatchObject({ stuckScheduledAfterSeconds: 120, stuckRunningAfterSeconds: 1800 });
    for (const bad of [{ stuckScheduledAfterSeconds: 0 }, { stuckRunningAfterSeconds: 1.5 }, { stuckRunningAfterSeconds: 10 ** 9 }, {}]) {
      await expect(updateOrgThresholds(ctx, bad)).rejects.toThrow();
    }
    await expect(updateOrgThresholds(ctxOf(orgId, admin, "OPERATOR"), { stuckRunningAfterSeconds: 60 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await getOrgSettings({ orgId })).toMatchObject({ stuckScheduledAfterSeconds: 120, stuckRunningAfterSeconds: 1800 });
    const audit = await auditRows(orgId, "org.");
    expect(audit.map((a) => [a.action, a.success])).toEqual([
      ["org.update_thresholds", true],
      ["org.update_thresholds", false],
    ]);
    expect(audit[0]).toMatchObject({ before: { stuckScheduledAfterSeconds: 300 }, after: { stuckScheduledAfterSeconds: 120 } });
  });

  it("rename and delete are OWNER-only; delete needs the slug typed and removes everything but the audit log", async () => {
    const { orgId, slug } = await createTestOrg();
    const owner = await createMemberSession(orgId, "OWNER");
    const admin = await createMemberSession(orgId, "ADMIN");
    await expect(renameOrg(ctxOf(orgId, admin, "ADMIN"), { name: "Nope" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(deleteOrg(ctxOf(orgId, admin, "ADMIN"), { confirmSlug: slug })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await renameOrg(ctxOf(orgId, owner, "OWNER"), { name: "  Renamed Inc  " })).toMatchObject({ name: "Renamed Inc" });

    const k = await createOrgApiKey(ctxOf(orgId, owner, "OWNER"), { name: "k" });
    expect((await api.postEvents(k.key, { events: [1, 2, 3].map(event) })).status).toBe(200);
    await expect(deleteOrg(ctxOf(orgId, owner, "OWNER"), { confirmSlug: "wrong" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining(slug) });
    expect(await getOrgSettings({ orgId })).toMatchObject({ name: "Renamed Inc" });

    const done = await deleteOrg(ctxOf(orgId, owner, "OWNER"), { confirmSlug: slug });
    expect(done.deletedRows).toMatchObject({ execution_events: 3, processed_events: 3 });
    const { rows } = await pool().query(
      `SELECT (SELECT count(*)::int FROM organizations WHERE id = $1) AS orgs, (SELECT count(*)::int FROM memberships WHERE "orgId" = $1) AS members,
              (SELECT count(*)::int FROM api_keys WHERE "orgId" = $1) AS keys, (SELECT count(*)::int FROM executions WHERE "orgId" = $1) AS executions,
              (SELECT count(*)::int FROM execution_events WHERE "orgId" = $1) AS events, (SELECT count(*)::int FROM workflows WHERE "orgId" = $1) AS workflows`,
      [orgId],
    );
    expect(rows[0]).toEqual({ orgs: 0, members: 0, keys: 0, executions: 0, events: 0, workflows: 0 });
    expect((await api.postEvents(k.key, event(9))).status).toBe(401);
    expect((await auditRows(orgId, "org.")).map((a) => [a.action, a.success])).toEqual([
      ["org.rename", false],
      ["org.delete", false],
      ["org.rename", true],
      ["org.delete", false],
      ["org.delete", true],
    ]);
  });
});

describe("API key and organization settings procedures", () => {
  it("an ADMIN creates (shown once), lists and revokes keys and sets thresholds; an OWNER renames and deletes; no secrets in any output", async () => {
    const org = await createTestOrg();
    const owner = await createMemberSession(org.orgId, "OWNER");
    const c = await callerAs(await createMemberSession(org.orgId, "ADMIN"));
    const created = await c.apiKeys.create({ orgSlug: org.slug, name: "deploys" });
    expect(created.key).toMatch(/^rw_/);
    const list = await c.apiKeys.list({ orgSlug: org.slug });
    expect(list.items.map((k) => k.prefix)).toEqual([created.key.slice(0, 10)]);
    expect(JSON.stringify(list)).not.toContain(created.key);
    const revoked = await c.apiKeys.revoke({ orgSlug: org.slug, id: created.apiKey.id });
    expect((await api.postEvents(created.key, event(1))).status).toBe(401);
    const settings = await c.orgSettings.get({ orgSlug: org.slug });
    const updated = await c.orgSettings.updateThresholds({ orgSlug: org.slug, stuckScheduledAfterSeconds: 60, stuckRunningAfterSeconds: 600 });
    expect(updated).toMatchObject({ stuckScheduledAfterSeconds: 60, stuckRunningAfterSeconds: 600 });
    await expect(c.orgSettings.updateThresholds({ orgSlug: org.slug, stuckScheduledAfterSeconds: -5 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const o = await callerAs(owner);
    const renamed = await o.orgSettings.rename({ orgSlug: org.slug, name: "New name" });
    const deleted = await o.orgSettings.delete({ orgSlug: org.slug, confirmSlug: org.slug });
    for (const out of [created.apiKey, list, revoked, settings, updated, renamed, deleted]) expectNoSecretFields(out);
    const audit = await auditRows(org.orgId, "");
    expect(audit.map((a) => [a.action, a.success])).toEqual([
      ["api_key.create", true],
      ["api_key.revoke", true],
      ["org.update_thresholds", true],
      ["org.rename", true],
      ["org.delete", true],
    ]);
    expect(audit.every((a) => a.ip === "198.51.100.5" && a.userAgent === "vitest-trpc")).toBe(true);
  });

  it("roles without the permission: FORBIDDEN, no change, one denied audit entry per mutation", async () => {
    const org = await createTestOrg();
    const ownerSession = await createMemberSession(org.orgId, "OWNER");
    const key = await (await callerAs(ownerSession)).apiKeys.create({ orgSlug: org.slug, name: "k" });
    const viewer = await callerAs(await createMemberSession(org.orgId, "VIEWER"));
    const admin = await callerAs(await createMemberSession(org.orgId, "ADMIN"));
    await expect(viewer.apiKeys.list({ orgSlug: org.slug })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(viewer.apiKeys.create({ orgSlug: org.slug, name: "x" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(viewer.apiKeys.revoke({ orgSlug: org.slug, id: key.apiKey.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(viewer.orgSettings.updateThresholds({ orgSlug: org.slug, stuckRunningAfterSeconds: 5 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(admin.orgSettings.rename({ orgSlug: org.slug, name: "x" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(admin.orgSettings.delete({ orgSlug: org.slug, confirmSlug: org.slug })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await viewer.orgSettings.get({ orgSlug: org.slug })).toMatchObject({ stuckRunningAfterSeconds: 1800 });
    expect(await getOrgSettings({ orgId: org.orgId })).toMatchObject({ name: `Test ${org.slug}`, stuckRunningAfterSeconds: 1800 });
    expect((await listApiKeys({ orgId: org.orgId }))[0]!.revokedAt).toBeNull();
    const denied = (await auditRows(org.orgId, "")).filter((a) => !a.success);
    expect(denied.map((a) => a.action)).toEqual(["api_key.create", "api_key.revoke", "org.update_thresholds", "org.rename", "org.delete"]);
    expect(denied[1].resourceId).toBe(key.apiKey.id);
  });

  it("from another organization: NOT_FOUND, no data, no change", async () => {
    const org = await createTestOrg();
    const other = await createTestOrg();
    const key = await (await callerAs(await createMemberSession(org.orgId, "OWNER"))).apiKeys.create({ orgSlug: org.slug, name: "k" });
    const c = await callerAs(await createMemberSession(other.orgId, "OWNER"));
    for (const call of [
      () => c.apiKeys.list({ orgSlug: org.slug }),
      () => c.apiKeys.create({ orgSlug: org.slug, name: "x" }),
      () => c.apiKeys.revoke({ orgSlug: org.slug, id: key.apiKey.id }),
      () => c.orgSettings.get({ orgSlug: org.slug }),
      () => c.orgSettings.updateThresholds({ orgSlug: org.slug, stuckRunningAfterSeconds: 5 }),
      () => c.orgSettings.rename({ orgSlug: org.slug, name: "x" }),
      () => c.orgSettings.delete({ orgSlug: org.slug, confirmSlug: org.slug }),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: "NOT_FOUND" });
    }
    // the key's id in the caller's own organization is unknown too
    await expect(c.apiKeys.revoke({ orgSlug: other.slug, id: key.apiKey.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await api.postEvents(key.key, event(1))).status).toBe(200);
    expect(await getOrgSettings({ orgId: org.orgId })).toMatchObject({ name: `Test ${org.slug}`, stuckRunningAfterSeconds: 1800 });
    expect((await auditRows(org.orgId, "")).map((a) => a.action)).toEqual(["api_key.create"]);
  });

  it("a platform admin visiting read-only may read the thresholds but change nothing", async () => {
    const org = await createTestOrg();
    const c = await callerAs(await createSessionUser({ isPlatformAdmin: true }));
    expect(await c.orgSettings.get({ orgSlug: org.slug })).toMatchObject({ slug: org.slug });
    await expect(c.apiKeys.create({ orgSlug: org.slug, name: "x" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(c.orgSettings.delete({ orgSlug: org.slug, confirmSlug: org.slug })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await getOrgSettings({ orgId: org.orgId })).toMatchObject({ slug: org.slug });
  });
});
