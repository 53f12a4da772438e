// The OpenAPI document covers every route under app/api/v1 with every method it exports, and
// every $ref in it resolves.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../server/openapi/document";
import { appRoutes, HTTP_METHODS } from "../setup/app-routes";

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>>; components: { schemas: Record<string, unknown> } };
const doc = openApiDocument() as Doc;

/**
 * The methods a route module serves, read from its source: `export const GET = …`,
 * `export async function POST`, `export { handler as PUT }`, or the method table of
 * `methods({ GET: …, PATCH: … })`, where every other exported method answers 405.
 */
export function servedMethods(source: string): string[] {
  const table = /methods\(\s*\{([^}]*)\}\s*\)/.exec(source);
  if (table) return HTTP_METHODS.filter((m) => new RegExp(`(^|[\\s,{])${m}\\s*:`).test(table[1]!));
  return HTTP_METHODS.filter(
    (m) => new RegExp(`export\\s+(?:const|async\\s+function|function)\\s+${m}\\b`).test(source) || new RegExp(`export\\s*\\{[^}]*\\bas\\s+${m}\\b`).test(source),
  );
}

describe("GET /api/v1/openapi.json", () => {
  const routes = appRoutes("app/api/v1").filter((r) => !r.fallback);

  it("finds the routes on disk, each with the methods it serves (the comparison below means something)", () => {
    expect(routes.map((r) => r.path)).toContain("/api/v1/events");
    expect(routes.length).toBeGreaterThanOrEqual(5);
    for (const r of routes) expect(servedMethods(readFileSync(r.file, "utf8")), r.path).not.toEqual([]);
  });

  it("reads served methods in every style a route module uses", () => {
    expect(servedMethods("export const POST = postEvents;")).toEqual(["POST"]);
    expect(servedMethods("export async function GET() {}")).toEqual(["GET"]);
    expect(servedMethods("export { a as GET, b as PATCH };")).toEqual(["GET", "PATCH"]);
    expect(servedMethods("export const { GET, HEAD, POST, PUT, PATCH } = methods({ GET: getWorkflowRoute, PATCH: patchWorkflowRoute });")).toEqual(["GET", "PATCH"]);
  });

  it("documents every /api/v1 route and method that exists", () => {
    const missing: string[] = [];
    for (const route of routes) {
      for (const method of servedMethods(readFileSync(route.file, "utf8"))) {
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
