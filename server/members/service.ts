// Members of an organization: list, add (an existing user, or a new one with a password), change
// role, remove. Two rules guard the organization from locking itself out: it always keeps at least
// one OWNER, and only an OWNER may make, demote or remove an OWNER.
import { randomBytes } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import { z } from "zod";
import { pool } from "../db/client";
import { grantableRoles, ownerChangeRefusal, ROLES, type Role } from "../rbac/permissions";
import { SettingsError } from "../settings/errors";
import { audited, type ServiceContext } from "../rbac/audited";
import { lockOrg } from "../settings/lock";
import { emailSchema, nameFromEmail, passwordSchema } from "../users/service";

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

export async function listMembers(orgId: string): Promise<Member[]> {
  // memberships per organization are few (people, not machines): no paging needed
  const { rows } = await pool().query<Member>(
    `SELECT u.id AS "userId", u.email, u.name, m.role::text AS role, m."createdAt" AS "joinedAt"
       FROM memberships m JOIN users u ON u.id = m."userId"
      WHERE m."orgId" = $1
      ORDER BY array_position(ARRAY['OWNER','ADMIN','OPERATOR','VIEWER'], m.role::text), u.email`,
    [orgId],
  );
  return rows;
}

type Client = Parameters<Parameters<typeof audited>[2]>[0];

async function memberRow(client: Client, orgId: string, userId: string): Promise<Member | null> {
  const { rows } = await client.query<Member>(
    `SELECT u.id AS "userId", u.email, u.name, m.role::text AS role, m."createdAt" AS "joinedAt"
       FROM memberships m JOIN users u ON u.id = m."userId"
      WHERE m."orgId" = $1 AND m."userId" = $2`,
    [orgId, userId],
  );
  return rows[0] ?? null;
}

async function ownerCount(client: Client, orgId: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM memberships WHERE "orgId" = $1 AND role = 'OWNER'`, [orgId]);
  return rows[0]!.n;
}

/** The membership rules of server/rbac/permissions.ts, answered with this service's wording. */
function requireGrantable(ctx: ServiceContext, role: Role): void {
  if (!grantableRoles(ctx.role ?? null).includes(role)) throw new SettingsError("FORBIDDEN", `only an OWNER may grant the ${role} role`);
}

async function requireOwnerChangeAllowed(client: Client, ctx: ServiceContext, member: Member, what: string, lastOwner: string): Promise<void> {
  const refusal = ownerChangeRefusal(ctx.role ?? null, member.role as Role, member.role === "OWNER" ? await ownerCount(client, ctx.orgId) : 0);
  if (refusal?.code === "FORBIDDEN") throw new SettingsError("FORBIDDEN", `only an OWNER may ${what}`);
  if (refusal?.code === "CONFLICT") throw new SettingsError("CONFLICT", lastOwner);
}

const publicMember = (m: Member) => ({ userId: m.userId, email: m.email, role: m.role });

/** better-auth's ids are opaque random strings; 24 URL-safe characters carry 144 bits. */
const newId = () => randomBytes(18).toString("base64url");

export async function addMember(ctx: ServiceContext, input: z.input<typeof addMemberInput>): Promise<Member & { userCreated: boolean }> {
  const q = addMemberInput.parse(input);
  return audited(ctx, { action: "member.add", resourceType: "membership", permission: "members:manage" }, async (client) => {
    await lockOrg(client, ctx.orgId);
    requireGrantable(ctx, q.role);
    const { rows } = await client.query<{ id: string }>(`SELECT id FROM users WHERE email = $1`, [q.email]);
    let userId = rows[0]?.id;
    let userCreated = false;
    if (userId) {
      if (q.password) throw new SettingsError("CONFLICT", `a user with email ${q.email} already exists; leave the password empty to add them`);
      if (await memberRow(client, ctx.orgId, userId)) throw new SettingsError("CONFLICT", `${q.email} is already a member of this organization`);
    } else {
      if (!q.password) throw new SettingsError("BAD_REQUEST", `no user has the email ${q.email}; give a password to create one`);
      userId = newId();
      // the same rows as server/users/service.ts createUser, inside this transaction so a failed
      // add leaves no orphan user behind
      const hash = await hashPassword(q.password);
      await client.query(
        `INSERT INTO users (id, email, name, "emailVerified", "isPlatformAdmin", "createdAt", "updatedAt") VALUES ($1, $2, $3, true, false, now(), now())`,
        [userId, q.email, q.name ?? nameFromEmail(q.email)],
      );
      await client.query(
        `INSERT INTO accounts (id, "userId", "accountId", "providerId", password, "createdAt", "updatedAt") VALUES ($1, $2, $2, 'credential', $3, now(), now())`,
        [newId(), userId, hash],
      );
      userCreated = true;
    }
    await client.query(`INSERT INTO memberships ("orgId", "userId", role) VALUES ($1, $2, $3::"MemberRole")`, [ctx.orgId, userId, q.role]);
    const member = (await memberRow(client, ctx.orgId, userId))!;
    return { result: { ...member, userCreated }, resourceId: userId, after: publicMember(member), details: { userCreated } };
  });
}

export async function changeMemberRole(ctx: ServiceContext, input: z.input<typeof changeRoleInput>): Promise<Member> {
  const q = changeRoleInput.parse(input);
  return audited(ctx, { action: "member.change_role", resourceType: "membership", resourceId: q.userId, permission: "members:manage" }, async (client) => {
    await lockOrg(client, ctx.orgId);
    const before = await memberRow(client, ctx.orgId, q.userId);
    if (!before) throw new SettingsError("NOT_FOUND", "member not found");
    if (before.role !== q.role) requireGrantable(ctx, q.role);
    if (q.role !== "OWNER") {
      await requireOwnerChangeAllowed(client, ctx, before, "change an OWNER's role", "this is the organization's last OWNER: make another member OWNER first, then change this role");
    }
    await client.query(`UPDATE memberships SET role = $3::"MemberRole" WHERE "orgId" = $1 AND "userId" = $2`, [ctx.orgId, q.userId, q.role]);
    const after = { ...before, role: q.role as Role };
    return { result: after, before: publicMember(before), after: publicMember(after) };
  });
}

export async function removeMember(ctx: ServiceContext, input: z.input<typeof removeMemberInput>): Promise<{ userId: string }> {
  const q = removeMemberInput.parse(input);
  return audited(ctx, { action: "member.remove", resourceType: "membership", resourceId: q.userId, permission: "members:manage" }, async (client) => {
    await lockOrg(client, ctx.orgId);
    const before = await memberRow(client, ctx.orgId, q.userId);
    if (!before) throw new SettingsError("NOT_FOUND", "member not found");
    await requireOwnerChangeAllowed(client, ctx, before, "remove an OWNER", "this is the organization's last OWNER and cannot be removed: make another member OWNER first");
    await client.query(`DELETE FROM memberships WHERE "orgId" = $1 AND "userId" = $2`, [ctx.orgId, q.userId]);
    return { result: { userId: q.userId }, before: publicMember(before) };
  });
}
