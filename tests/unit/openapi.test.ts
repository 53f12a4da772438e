// The OpenAPI document covers every route under app/api/v1 with every method it exports, and
// every $ref in it resolves.
import { describe, expect, it } from "vitest";
import { V1_ROUTES } from "../../server/http/v1/routes";
import { openApiDocument } from "../../server/openapi/document";
import { appRoutes } from "../setup/app-routes";

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>>; components: { schemas: Record<string, unknown> } };
const doc = openApiDocument() as Doc;

/** The methods a route serves: those its entry of the route table (server/http/v1/routes.ts) implements. */
function servedMethods(path: string): string[] {
  return Object.values(V1_ROUTES).find((r) => r.path === path)?.implemented ?? [];
}

describe("GET /api/v1/openapi.json", () => {
  const routes = appRoutes("app/api/v1").filter((r) => !r.fallback);

  it("finds the routes on disk, each with the methods it serves (the comparison below means something)", () => {
    expect(routes.map((r) => r.path)).toContain("/api/v1/events");
    expect(routes.length).toBeGreaterThanOrEqual(5);
    for (const r of routes) expect(servedMethods(r.path), r.path).not.toEqual([]);
  });

  it("documents every /api/v1 route and method that exists", () => {
    const missing: string[] = [];
    for (const route of routes) {
      for (const method of servedMethods(route.path)) {
        if (!doc.paths[route.path]?.[method.toLowerCase()]) missing.push(`${method} ${route.path}`);
      }
    }
    expect(missing, "routes the OpenAPI document lacks (add them to server/openapi/document.ts)").toEqual([]);
  });

  it("gives every authenticated operation its error answers", () => {
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (p === "/api/v1/openapi.json" || p === "/api/health") continue;
        expect(Object.keys(op.responses), `${method} ${p}`).toEqual(expect.arrayContaining(["200", "401", "429", "500", "503"]));
      }
    }
  });

  it("resolves every $ref", () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const r of refs) {
      const name = /#\/components\/schemas\/([^"]+)/.exec(r)?.[1];
      expect(name && doc.components.schemas[name], r).toBeTruthy();
    }
  });
});
