// People and their memberships. Users sign in with better-auth's email + password, so a user
// created here is a `users` row plus a "credential" `accounts` row holding better-auth's hash.
import { randomBytes } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import { z } from "zod";
import { prisma } from "../db/client";

export const MEMBER_ROLES = ["VIEWER", "OPERATOR", "ADMIN", "OWNER"] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

export const roleSchema = z
  .string()
  .transform((s) => s.toUpperCase())
  .pipe(z.enum(MEMBER_ROLES, { error: `role must be one of ${MEMBER_ROLES.join(", ")}` }));

export const emailSchema = z
  .email({ error: "email must be a valid address, e.g. ana@example.com" })
  .max(254)
  .transform((s) => s.toLowerCase());

// better-auth's default bounds for email + password sign-up
export const passwordSchema = z
  .string()
  .min(8, "password must be at least 8 characters")
  .max(128, "password must be at most 128 characters");

export type User = { id: string; email: string; name: string; isPlatformAdmin: boolean };

const userColumns = { id: true, email: true, name: true, isPlatformAdmin: true } as const;

/** better-auth's ids are opaque random strings; 24 URL-safe characters carry 144 bits. */
function newId(): string {
  return randomBytes(18).toString("base64url");
}

/** "ana.lopez@example.com" → "Ana Lopez", for users created without a name. */
export function nameFromEmail(email: string): string {
  const local = email.split("@")[0] ?? email;
  return (
    local
      .split(/[._+-]+/)
      .filter(Boolean)
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(" ") || email
  );
}

export async function findUserByEmail(email: string): Promise<User | null> {
  return prisma().user.findUnique({ where: { email: emailSchema.parse(email) }, select: userColumns });
}

/** Creates a user who can sign in with this email and password. The email must be new. */
export async function createUser(input: { email: string; password: string; name?: string; isPlatformAdmin?: boolean }): Promise<User> {
  const email = emailSchema.parse(input.email);
  const password = passwordSchema.parse(input.password);
  const id = newId();
  const hash = await hashPassword(password);
  return prisma().$transaction(async (tx) => {
    const user = await tx.user.create({
      data: { id, email, name: input.name ?? nameFromEmail(email), emailVerified: true, isPlatformAdmin: input.isPlatformAdmin ?? false },
      select: userColumns,
    });
    // better-auth finds the password on the account whose providerId is "credential" and whose accountId is the user's id
    await tx.account.create({ data: { id: newId(), userId: id, accountId: id, providerId: "credential", password: hash } });
    return user;
  });
}

export async function setPlatformAdmin(userId: string, isPlatformAdmin: boolean): Promise<void> {
  await prisma().user.update({ where: { id: userId }, data: { isPlatformAdmin } });
}

/**
 * Adds the user to the organization with this role, or changes the role of an existing member,
 * without an audit entry: for setting up (the demo seed, benchmarks, test fixtures). A person or
 * the CLI changes memberships through server/members/service.ts, audited.
 */
export async function addMembership(orgId: string, userId: string, role: MemberRole): Promise<{ created: boolean }> {
  const existing = await prisma().membership.findUnique({ where: { orgId_userId: { orgId, userId } }, select: { role: true } });
  await prisma().membership.upsert({
    where: { orgId_userId: { orgId, userId } },
    create: { orgId, userId, role },
    update: { role },
  });
  return { created: existing === null };
}
