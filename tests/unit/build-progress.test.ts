// npm start's build progress (issue 13): phases from Next's lines, and Turbopack's known
// warnings replaced by a sentence while any other warning is kept.
import { describe, expect, it } from "vitest";
import { buildPhaseOf, explainWarningBlock, formatElapsed } from "../../server/cli/start/build-progress";

describe("build progress", () => {
  it("names the phase of Next's lines", () => {
    expect(buildPhaseOf("  Creating an optimized production build ...")).toMatch(/compiling/);
    expect(buildPhaseOf("  Running TypeScript ...")).toBe("checking types");
    expect(buildPhaseOf("  Collecting page data using 1 worker ...")).toBe("collecting page data");
    expect(buildPhaseOf("something else")).toBeNull();
    expect(formatElapsed(9_500)).toBe("9s");
    expect(formatElapsed(131_000)).toBe("2m 11s");
  });

  it("explains the known Turbopack warnings once and keeps an unknown one", () => {
    const block = [
      "./instrumentation.ts:10:3",
      "Warning: A Node.js API is used (process.once at line: 10) which is not supported in the Edge Runtime.",
      "  > 10 |   process.once(\"SIGTERM\", stop);",
      "\u001b[90m./instrumentation.ts:11:3\u001b[0m",
      "Warning: A Node.js API is used (process.once at line: 11) which is not supported in the Edge Runtime.",
      "./server/health.ts:29:27",
      "Warning: Dynamic filesystem access causes tracing of the whole project",
      "./server/other.ts:1:1",
      "Warning: something new",
    ];
    const r = explainWarningBlock(block);
    expect(r.explained).toHaveLength(2);
    expect(r.unknown).toEqual(["./server/other.ts:1:1", "Warning: something new"]);
  });
});
