// The membership rules the members service enforces and the settings page mirrors.
import { describe, expect, it } from "vitest";
import { grantableRoles, ownerChangeRefusal, ROLES } from "../../server/rbac/permissions";

describe("membership rules", () => {
  it("only an OWNER grants OWNER", () => {
    expect(grantableRoles("OWNER")).toEqual(ROLES);
    for (const actor of ["ADMIN", "OPERATOR", "VIEWER", null] as const) expect(grantableRoles(actor)).not.toContain("OWNER");
    expect(grantableRoles("ADMIN")).toContain("ADMIN");
  });

  it("only an OWNER changes an OWNER, and the last OWNER keeps the role", () => {
    expect(ownerChangeRefusal("ADMIN", "OPERATOR", 1)).toBeNull();
    expect(ownerChangeRefusal("ADMIN", "OWNER", 3)).toMatchObject({ code: "FORBIDDEN" });
    expect(ownerChangeRefusal(null, "OWNER", 3)).toMatchObject({ code: "FORBIDDEN" });
    expect(ownerChangeRefusal("OWNER", "OWNER", 1)).toMatchObject({ code: "CONFLICT" });
    expect(ownerChangeRefusal("OWNER", "OWNER", 2)).toBeNull();
  });
});
