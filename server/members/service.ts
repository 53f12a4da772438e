// Members of an organization: list, add (an existing user, or a new one with a password), change
// role, remove. Two rules guard the organization from locking itself out: it always keeps at least
// one OWNER, and only an OWNER may make, demote or remove an OWNER.
import { randomBytes } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import { z } from "zod";
import type { ReadContext } from "../context";
import { primaryFor } from "../db/client";
import type { Queryable } from "../db/sql";
import { grantableRoles, ownerChangeRefusal, ROLES, type Role } from "../rbac/permissions";
import { SettingsError } from "../settings/errors";
import { audited, type ServiceContext } from "../rbac/audited";
import { lockOrg } from "../settings/lock";
import { insertUserWithPassword, userIdByEmail } from "../users/queries";
import { emailSchema, nameFromEmail, passwordSchema } from "../users/service";
import * as q from "./queries";

export const memberSchema = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  joinedAt: z.date(),
});
export type Member = z.infer<typeof memberSchema>;

const roleInput = z.enum(ROLES, { error: `role must be one of ${ROLES.join(", ")}` });

export const addMemberInput = z.object({
  email: emailSchema,
  role: roleInput,
  /** only to create a user who does not exist yet; leave it out to add an existing user */
  password: passwordSchema.optional(),
  name: z.string().trim().min(1).max(200).optional(),
});
export const changeRoleInput = z.object({ userId: z.string().min(1).max(200), role: roleInput });
export const removeMemberInput = z.object({ userId: z.string().min(1).max(200) });

export async function listMembers(ctx: ReadContext): Promise<Member[]> {
  return q.memberRows(primaryFor(ctx), ctx.orgId);
}


/** The membership rules of server/rbac/permissions.ts, answered with this service's wording. */
function requireGrantable(ctx: ServiceContext, role: Role): void {
  if (!grantableRoles(ctx.role ?? null).includes(role)) throw new SettingsError("FORBIDDEN", `only an OWNER may grant the ${role} role`);
}

async function requireOwnerChangeAllowed(client: Queryable, ctx: ServiceContext, member: Member, what: string, lastOwner: string): Promise<void> {
  const refusal = ownerChangeRefusal(ctx.role ?? null, member.role as Role, member.role === "OWNER" ? await q.ownerCount(client, ctx.orgId) : 0);
  if (refusal?.code === "FORBIDDEN") throw new SettingsError("FORBIDDEN", `only an OWNER may ${what}`);
  if (refusal?.code === "CONFLICT") throw new SettingsError("CONFLICT", lastOwner);
}

const publicMember = (m: Member) => ({ userId: m.userId, email: m.email, role: m.role });

/** better-auth's ids are opaque random strings; 24 URL-safe characters carry 144 bits. */
const newId = () => randomBytes(18).toString("base64url");

export async function addMember(ctx: ServiceContext, input: z.input<typeof addMemberInput>): Promise<Member & { userCreated: boolean }> {
  const a = addMemberInput.parse(input);
  return audited(ctx, { action: "member.add", resourceType: "membership", permission: "members:manage" }, async (client) => {
    await lockOrg(client, ctx.orgId);
    requireGrantable(ctx, a.role);
    let userId = await userIdByEmail(client, a.email);
    let userCreated = false;
    if (userId) {
      if (a.password) throw new SettingsError("CONFLICT", `a user with email ${a.email} already exists; leave the password empty to add them`);
      if (await q.memberOf(client, ctx.orgId, userId)) throw new SettingsError("CONFLICT", `${a.email} is already a member of this organization`);
    } else {
      if (!a.password) throw new SettingsError("BAD_REQUEST", `no user has the email ${a.email}; give a password to create one`);
      userId = newId();
      // the same rows as server/users/service.ts createUser, inside this transaction so a failed
      // add leaves no orphan user behind
      const passwordHash = await hashPassword(a.password);
      await insertUserWithPassword(client, { id: userId, accountId: newId(), email: a.email, name: a.name ?? nameFromEmail(a.email), passwordHash });
      userCreated = true;
    }
    await q.insertMembership(client, ctx.orgId, userId, a.role);
    const member = await q.memberOf(client, ctx.orgId, userId);
    if (!member) throw new Error("the membership just written was not found");
    return { result: { ...member, userCreated }, resourceId: userId, after: publicMember(member), details: { userCreated } };
  });
}

export async function changeMemberRole(ctx: ServiceContext, input: z.input<typeof changeRoleInput>): Promise<Member> {
  const c = changeRoleInput.parse(input);
  return audited(ctx, { action: "member.change_role", resourceType: "membership", resourceId: c.userId, permission: "members:manage" }, async (client) => {
    await lockOrg(client, ctx.orgId);
    const before = await q.memberOf(client, ctx.orgId, c.userId);
    if (!before) throw new SettingsError("NOT_FOUND", "member not found");
    if (before.role !== c.role) requireGrantable(ctx, c.role);
    if (c.role !== "OWNER") {
      await requireOwnerChangeAllowed(client, ctx, before, "change an OWNER's role", "this is the organization's last OWNER: make another member OWNER first, then change this role");
    }
    await q.setMembershipRole(client, ctx.orgId, c.userId, c.role);
    const after = { ...before, role: c.role };
    return { result: after, before: publicMember(before), after: publicMember(after) };
  });
}

export async function removeMember(ctx: ServiceContext, input: z.input<typeof removeMemberInput>): Promise<{ userId: string }> {
  const r = removeMemberInput.parse(input);
  return audited(ctx, { action: "member.remove", resourceType: "membership", resourceId: r.userId, permission: "members:manage" }, async (client) => {
    await lockOrg(client, ctx.orgId);
    const before = await q.memberOf(client, ctx.orgId, r.userId);
    if (!before) throw new SettingsError("NOT_FOUND", "member not found");
    await requireOwnerChangeAllowed(client, ctx, before, "remove an OWNER", "this is the organization's last OWNER and cannot be removed: make another member OWNER first");
    await q.deleteMembership(client, ctx.orgId, r.userId);
    return { result: { userId: r.userId }, before: publicMember(before) };
  });
}

export const setMembershipInput = z.object({ userId: z.string().min(1).max(200), role: roleInput });

/**
 * Runwatch's own way in (the CLI's `user create --org --role`): makes the user a member with this
 * role, or changes their role, audited as member.add or member.change_role. None of the ladder's
 * owner rules apply: this is how an operator repairs an organization that lost its owners.
 */
export async function setMembership(ctx: ServiceContext, input: z.input<typeof setMembershipInput>): Promise<{ created: boolean }> {
  const m = setMembershipInput.parse(input);
  return audited(ctx, { action: "member.add", resourceType: "membership", resourceId: m.userId }, async (client) => {
    await lockOrg(client, ctx.orgId);
    const before = await q.memberOf(client, ctx.orgId, m.userId);
    if (before?.role === m.role) return { result: { created: false }, noop: true };
    if (before) await q.setMembershipRole(client, ctx.orgId, m.userId, m.role);
    else await q.insertMembership(client, ctx.orgId, m.userId, m.role);
    const after = await q.memberOf(client, ctx.orgId, m.userId);
    if (!after) throw new SettingsError("NOT_FOUND", "user not found");
    return {
      result: { created: !before },
      action: before ? "member.change_role" : "member.add",
      before: before ? publicMember(before) : null,
      after: publicMember(after),
    };
  });
}
