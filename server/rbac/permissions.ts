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
