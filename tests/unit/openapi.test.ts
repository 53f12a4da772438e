// The OpenAPI document covers every route under app/api/v1 with every method it exports, and
// every $ref in it resolves.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../server/openapi/document";
import { appRoutes, HTTP_METHODS } from "../setup/app-routes";

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>>; components: { schemas: Record<string, unknown> } };
const doc = openApiDocument() as Doc;

/** The methods a route module exports (export const GET = …, export async function POST …). */
function exportedMethods(file: string): string[] {
  const source = readFileSync(file, "utf8");
  return HTTP_METHODS.filter((m) => new RegExp(`export\\s+(?:const|async\\s+function|function)\\s+${m}\\b`).test(source));
}

describe("GET /api/v1/openapi.json", () => {
  const routes = appRoutes("app/api/v1");

  it("finds the routes on disk (the comparison below means something)", () => {
    expect(routes.map((r) => r.path)).toContain("/api/v1/events");
    expect(routes.length).toBeGreaterThanOrEqual(5);
  });

  it("documents every /api/v1 route and method that exists", () => {
    const missing: string[] = [];
    for (const route of routes) {
      for (const method of exportedMethods(route.file)) {
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
