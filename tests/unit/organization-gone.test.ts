import { describe, expect, it } from "vitest";
import { classifyError } from "../../server/errors";

// What pg raises for an INSERT whose organization row is gone, and for another foreign key.
const violation = (detail: string) => Object.assign(new Error("insert or update violates foreign key constraint"), { code: "23503", detail });

describe("a write for an organization deleted meanwhile", () => {
  it("is the revoked key it amounts to: 401 API_KEY_INVALID", () => {
    const known = classifyError(violation('Key (orgId)=(7d9c…) is not present in table "organizations".'));
    expect(known).toMatchObject({ code: "UNAUTHORIZED", apiCode: "API_KEY_INVALID", status: 401 });
  });

  it("leaves other foreign-key violations alone (a bug, answered 500)", () => {
    expect(classifyError(violation('Key (orgId, workflowId)=(…) is not present in table "workflows".'))).toBeNull();
    expect(classifyError(Object.assign(new Error("x"), { code: "23505", detail: 'is not present in table "organizations"' }))).toBeNull();
  });
});
