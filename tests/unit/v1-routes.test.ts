// The REST route table (server/http/v1/routes.ts) is the one declaration of /api/v1: the route
// files on disk, which `next dev` serves, are exactly its entries and export its handlers, and
// its matcher finds what Next's file-system router finds.
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { matchV1Route, V1_ROUTES } from "../../server/http/v1/routes";
import { appRoutes } from "../setup/app-routes";

const onDisk = appRoutes("app/api/v1").filter((r) => !r.fallback);
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

describe("the /api/v1 route table", () => {
  it("has one entry per route file, with the same path", () => {
    expect(onDisk.length).toBeGreaterThanOrEqual(7);
    expect(Object.values(V1_ROUTES).map((r) => r.path).sort()).toEqual(onDisk.map((r) => r.path).sort());
  });

  it("is what every route file exports, method by method", async () => {
    for (const file of onDisk) {
      const entry = Object.values(V1_ROUTES).find((r) => r.path === file.path)!;
      const mod = (await import(pathToFileURL(file.file).href)) as Record<string, unknown>;
      for (const m of METHODS) expect(mod[m], `${m} ${file.path}`).toBe(entry.handlers[m]);
    }
  });

  it("matches a path as the file-system router does, parameters decoded", () => {
    for (const file of onDisk) {
      const sample = file.path.replace(/\{(\w+)\}/g, "a%20b");
      expect(matchV1Route(sample)?.route.path, sample).toBe(file.path);
      expect(file.regex.test(sample)).toBe(true);
    }
    expect(matchV1Route("/api/v1/executions/ord%2F7%3Ax/status")).toEqual({ route: V1_ROUTES.executionStatus, params: { executionId: "ord/7:x" } });
    expect(matchV1Route("/api/v1/workflows/nightly-etl")?.params).toEqual({ key: "nightly-etl" });
    for (const unknown of ["/api/v1", "/api/v1/nope", "/api/v1/executions/a/b/c", "/api/v1/events/x", "/api/v1/openapi.jsonx", "/api/v1/workflows"]) {
      expect(matchV1Route(unknown), unknown).toBeNull();
    }
  });
});
