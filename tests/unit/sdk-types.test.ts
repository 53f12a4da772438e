// The SDK's types are generated from the server's wire schemas; this fails when they drift.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderSdkTypes } from "../../server/openapi/sdk-types";

const file = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../sdk/src/api-types.ts");

describe("sdk/src/api-types.ts", () => {
  it("is what server/openapi/schemas.ts generates (run `npm run gen:sdk-types` after changing a schema)", () => {
    expect(readFileSync(file, "utf8")).toBe(renderSdkTypes());
  });

  it("names every status and outcome the server knows", () => {
    const text = renderSdkTypes();
    for (const word of ["COMPLETED", "CONTINUED_AS_NEW", "deferred", "invalid"]) expect(text).toContain(`"${word}"`);
  });
});
