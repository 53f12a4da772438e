// Roles to permissions, as data. One table, one check: the server enforces it and the UI uses
// the same function to hide what a role may not do.

export const ROLES = ["VIEWER", "OPERATOR", "ADMIN", "OWNER"] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  "executions:read",
  "executions:operate", // cancel or mark failed an active execution, with a reason
  "alerts:read",
  "alerts:acknowledge",
  "alerts:resolve",
  "views:manage",
  "audit:read",
  "members:manage",
  "apiKeys:manage",
  "channels:manage",
  "thresholds:manage", // a workflow's stuck thresholds and its schedule
  "org:rename",
  "org:delete",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const VIEWER: Permission[] = ["executions:read", "alerts:read", "audit:read"];
const OPERATOR: Permission[] = [...VIEWER, "executions:operate", "alerts:acknowledge", "alerts:resolve", "views:manage"];
const ADMIN: Permission[] = [...OPERATOR, "members:manage", "apiKeys:manage", "channels:manage", "thresholds:manage"];
const OWNER: Permission[] = [...ADMIN, "org:rename", "org:delete"];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  VIEWER: new Set(VIEWER),
  OPERATOR: new Set(OPERATOR),
  ADMIN: new Set(ADMIN),
  OWNER: new Set(OWNER),
};

/** Read-only permissions: what a platform admin visiting someone else's organization may do. */
export const READ_ONLY: ReadonlySet<Permission> = new Set(["executions:read", "alerts:read", "audit:read"]);

export function can(role: Role | null | undefined, permission: Permission): boolean {
  return role ? ROLE_PERMISSIONS[role].has(permission) : false;
}

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/* --- Membership rules: the one statement of who may grant or change which role ----------------
 * Enforced by server/members/service.ts (inside its locked transaction) and mirrored by the
 * members section of the settings page, which only spares people the attempt. Pure. */

/** The roles this actor may grant: OWNER only by an OWNER. */
export function grantableRoles(actor: Role | null): readonly Role[] {
  return actor === "OWNER" ? ROLES : ROLES.filter((r) => r !== "OWNER");
}

/**
 * Why this actor may not demote or remove a member holding `memberRole`, or null if they may:
 * only an OWNER touches an OWNER (FORBIDDEN), and the last OWNER keeps the role (CONFLICT).
 */
export function ownerChangeRefusal(actor: Role | null, memberRole: Role, ownerCount: number): { code: "FORBIDDEN" | "CONFLICT"; reason: string } | null {
  if (memberRole !== "OWNER") return null;
  if (actor !== "OWNER") return { code: "FORBIDDEN", reason: "Only an OWNER may change an OWNER" };
  if (ownerCount <= 1) return { code: "CONFLICT", reason: "The last OWNER keeps the role: make someone else OWNER first" };
  return null;
}
