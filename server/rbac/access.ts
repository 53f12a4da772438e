// A user's access to one organization, resolved in one query: the organization, the member's
// role, and the permissions that follow. A platform admin who is not a member gets read-only
// access (READ_ONLY); anyone else who is not a member gets nothing, as if the organization did
// not exist. Shared by the tRPC ladder, the /o/[slug] layout and the session router.
//
// enterOrg and requirePermission are the ladder's two steps for callers outside tRPC (the org
// layout, the audit CSV route); orgProcedure and permissionProcedure in server/trpc.ts use them too.
import { withTransaction } from "../db/transaction";
import { pool, prisma } from "../db/client";
import { recordAudit } from "../audit/service";
import { ForbiddenError } from "../errors";
import { lockKey, membershipsOfUser, orgWithRole, rememberLastOrgSlug, visitRecorded } from "./queries";
import { PERMISSIONS, READ_ONLY, ROLE_PERMISSIONS, type Permission, type Role } from "./permissions";

export type OrgRef = { id: string; slug: string; name: string };

export type OrgAccess = {
  org: OrgRef;
  /** the member's role; null for a platform admin visiting an organization they are not a member of */
  role: Role | null;
  /** a platform admin's visit: read-only, and audited */
  readOnly: boolean;
  permissions: ReadonlySet<Permission>;
};

export type AccessUser = { id: string; isPlatformAdmin: boolean };

export function permissionsOf(role: Role | null, readOnly: boolean): ReadonlySet<Permission> {
  if (role) return ROLE_PERMISSIONS[role];
  return readOnly ? READ_ONLY : new Set();
}

/** Permissions as a plain list in the table's order, for JSON (the session router, the UI). */
export function permissionList(permissions: ReadonlySet<Permission>): Permission[] {
  return PERMISSIONS.filter((p) => permissions.has(p));
}

/** The user's access to the organization with this slug, or null: unknown, or not theirs to see. */
export async function resolveOrgAccess(user: AccessUser, slug: string): Promise<OrgAccess | null> {
  const row = await orgWithRole(pool(), slug, user.id);
  if (!row) return null;
  if (row.role) return { org: { id: row.id, slug: row.slug, name: row.name }, role: row.role, readOnly: false, permissions: permissionsOf(row.role, false) };
  if (!user.isPlatformAdmin) return null;
  return { org: { id: row.id, slug: row.slug, name: row.name }, role: null, readOnly: true, permissions: READ_ONLY };
}

export type EnteringUser = { user: AccessUser & { email: string }; sessionId: string };
export type RequestFacts = { ip: string | null; userAgent: string | null };

/**
 * The ladder's organization step: the caller's access, or null (answer NOT_FOUND, exactly as for
 * an organization that does not exist). A platform admin's read-only visit is audited here, so
 * every way into an organization records it the same way.
 */
export async function enterOrg(caller: EnteringUser, slug: string, meta: RequestFacts, opts: { refuseReadOnly?: boolean } = {}): Promise<OrgAccess | null> {
  const access = await resolveOrgAccess(caller.user, slug);
  // a change on read-only access is refused before the visit is recorded
  if (access?.readOnly && opts.refuseReadOnly) throw new ForbiddenError("platform admins have read-only access to this organization");
  if (access?.readOnly) await recordPlatformAdminVisit({ orgId: access.org.id, user: caller.user, sessionId: caller.sessionId, ...meta });
  return access;
}

/** Why the caller may not do this, as the ladder words it (FORBIDDEN). */
export function forbiddenMessage(access: OrgAccess, permission: Permission): string {
  const who = access.role ? `role ${access.role}` : "read-only platform admin access";
  return `${who} may not do this (needs ${permission})`;
}

/** The ladder's permission step outside tRPC: a ForbiddenError when the access lacks it. */
export function requirePermission(access: OrgAccess, permission: Permission): void {
  if (!access.permissions.has(permission)) throw new ForbiddenError(forbiddenMessage(access, permission));
}

export type MembershipSummary = { orgId: string; slug: string; name: string; role: Role };

/** The user's organizations, by name. */
export async function listMemberships(userId: string): Promise<MembershipSummary[]> {
  return membershipsOfUser(pool(), userId);
}

export const PLATFORM_ADMIN_VISIT_ACTION = "org.platform_admin_visit";

// Visits already recorded by this process, so most requests skip the database check.
const recordedVisits = new Set<string>();

function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/**
 * Records a platform admin's read-only visit to an organization once per session, organization
 * and UTC day. The check and the insert run under a transaction-scoped advisory lock, so
 * concurrent requests of one visit (a page's parallel queries) write one entry between them.
 */
export async function recordPlatformAdminVisit(params: {
  orgId: string;
  user: { id: string; email: string };
  sessionId: string;
  ip?: string | null;
  userAgent?: string | null;
  now?: Date;
}): Promise<boolean> {
  const now = params.now ?? new Date();
  const day = utcDay(now);
  const key = `${params.sessionId}:${params.orgId}:${day}`;
  if (recordedVisits.has(key)) return false;
  const recorded = await withTransaction(async (client) => {
    await lockKey(client, `platform-admin-visit:${key}`);
    if (await visitRecorded(client, { orgId: params.orgId, userId: params.user.id, action: PLATFORM_ADMIN_VISIT_ACTION, day, sessionId: params.sessionId })) return false;
    await recordAudit(
      {
        orgId: params.orgId,
        actor: { type: "USER", userId: params.user.id, label: params.user.email },
        action: PLATFORM_ADMIN_VISIT_ACTION,
        resourceType: "organization",
        resourceId: params.orgId,
        details: { sessionId: params.sessionId, access: "read-only" },
        ip: params.ip ?? null,
        userAgent: params.userAgent ?? null,
        success: true,
      },
      client,
    );
    return true;
  });
  if (recordedVisits.size > 10_000) recordedVisits.clear();
  recordedVisits.add(key);
  return recorded;
}

/** Remembers the organization the user opened last, for the landing redirect. */
export async function rememberLastOrg(userId: string, slug: string): Promise<void> {
  await rememberLastOrgSlug(pool(), userId, slug);
}

/**
 * Where `/` sends a signed-in user: the last organization they opened if they may still see
 * it, else their first membership; null when they have none.
 */
export async function landingOrgSlug(user: AccessUser): Promise<string | null> {
  const last = (await prisma().user.findUnique({ where: { id: user.id }, select: { lastOrgSlug: true } }))?.lastOrgSlug;
  if (last && (await resolveOrgAccess(user, last))) return last;
  const memberships = await listMemberships(user.id);
  return memberships[0]?.slug ?? null;
}
