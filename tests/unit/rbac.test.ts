// The roles-to-permissions table: what each role may do, that roles only ever add permissions,
// and that a platform admin's visit is read-only.
import { describe, expect, it } from "vitest";
import { permissionList, permissionsOf } from "../../server/rbac/access";
import { PERMISSIONS, READ_ONLY, ROLES, ROLE_PERMISSIONS, can, roleRank, type Permission, type Role } from "../../server/rbac/permissions";

// The wording, written out by hand so a change to the table has to change this too.
const EXPECTED: Record<Role, Permission[]> = {
  VIEWER: ["executions:read", "alerts:read", "audit:read"],
  OPERATOR: ["executions:read", "executions:operate", "alerts:read", "alerts:acknowledge", "alerts:resolve", "views:manage", "audit:read"],
  ADMIN: [
    "executions:read",
    "executions:operate",
    "alerts:read",
    "alerts:acknowledge",
    "alerts:resolve",
    "views:manage",
    "audit:read",
    "members:manage",
    "apiKeys:manage",
    "channels:manage",
    "thresholds:manage",
  ],
  OWNER: [...PERMISSIONS],
};

describe("ROLE_PERMISSIONS", () => {
  it.each(ROLES)("%s has exactly its permissions", (role) => {
    expect(permissionList(ROLE_PERMISSIONS[role])).toEqual(PERMISSIONS.filter((p) => EXPECTED[role].includes(p)));
  });

  it.each(ROLES.flatMap((role) => PERMISSIONS.map((p) => [role, p] as const)))("can(%s, %s) follows the table", (role, permission) => {
    expect(can(role, permission)).toBe(EXPECTED[role].includes(permission));
  });

  it("each role holds every permission of the roles below it", () => {
    for (const lower of ROLES) {
      for (const higher of ROLES.filter((r) => roleRank(r) > roleRank(lower))) {
        for (const p of ROLE_PERMISSIONS[lower]) expect(can(higher, p), `${higher} lacks ${p} that ${lower} has`).toBe(true);
      }
    }
  });

  it("only the OWNER may rename or delete the organization", () => {
    expect(ROLES.filter((r) => can(r, "org:rename"))).toEqual(["OWNER"]);
    expect(ROLES.filter((r) => can(r, "org:delete"))).toEqual(["OWNER"]);
  });

  it("a VIEWER may not act on executions, alerts, members or keys", () => {
    for (const p of ["executions:operate", "alerts:acknowledge", "alerts:resolve", "members:manage", "apiKeys:manage"] as const) expect(can("VIEWER", p)).toBe(false);
  });

  it("answers false without a role", () => {
    for (const p of PERMISSIONS) {
      expect(can(null, p)).toBe(false);
      expect(can(undefined, p)).toBe(false);
    }
  });
});

describe("platform admin access", () => {
  it("is read-only: reads, and nothing that changes anything", () => {
    expect([...READ_ONLY].sort()).toEqual(["alerts:read", "audit:read", "executions:read"]);
    for (const p of READ_ONLY) expect(p.endsWith(":read")).toBe(true);
    expect(permissionsOf(null, true)).toBe(READ_ONLY);
  });

  it("a member's own role wins over read-only access, and a non-member without it gets nothing", () => {
    expect(permissionsOf("OWNER", true)).toBe(ROLE_PERMISSIONS.OWNER);
    expect(permissionsOf(null, false).size).toBe(0);
  });
});
