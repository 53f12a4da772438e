// Sessions for tests: a user (and membership) created straight in the database, and the
// AuthSession the tRPC context accepts in place of a cookie:
//   const session = await createMemberSession(org.orgId, "OPERATOR");
//   const caller = createCaller(await createTRPCContext({ headers: new Headers(), session }));
import { randomBytes } from "node:crypto";
import { prisma } from "../db/client";
import type { Role } from "../rbac/permissions";
import type { AuthSession } from "./session";

const id = () => randomBytes(12).toString("base64url");

export async function createSessionUser(opts: { email?: string; name?: string; isPlatformAdmin?: boolean } = {}): Promise<AuthSession> {
  const email = opts.email ?? `user-${randomBytes(6).toString("hex")}@test.runwatch.dev`;
  const user = await prisma().user.create({
    data: { id: id(), email, name: opts.name ?? email.split("@")[0]!, emailVerified: true, isPlatformAdmin: opts.isPlatformAdmin ?? false },
    select: { id: true, email: true, name: true, isPlatformAdmin: true },
  });
  return { sessionId: `test-${id()}`, user };
}

/** A new user who is a member of the organization with this role. */
export async function createMemberSession(orgId: string, role: Role, opts: { email?: string } = {}): Promise<AuthSession> {
  const session = await createSessionUser(opts);
  await prisma().membership.create({ data: { orgId, userId: session.user.id, role } });
  return session;
}
