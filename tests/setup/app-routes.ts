// The app's HTTP routes as they are on disk (app/api/**/route.ts): path patterns with their
// parameters, so a test server can mount them without Next and the OpenAPI test can compare
// the document with what exists.
import { readdirSync } from "node:fs";
import path from "node:path";

export const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

export type AppRoute = {
  /** OpenAPI style: /api/v1/executions/{executionId} */
  path: string;
  /** route.ts, absolute */
  file: string;
  params: string[];
  regex: RegExp;
  /** an optional catch-all ([[...path]]): the fallback for paths no route has, not an operation */
  fallback: boolean;
};

export function appRoutes(under = "app/api"): AppRoute[] {
  const found: AppRoute[] = [];
  const walk = (dir: string, segments: string[]) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name), [...segments, entry.name]);
      else if (entry.name === "route.ts") {
        const params: string[] = [];
        let fallback = false;
        const parts = segments.map((s) => {
          const optional = /^\[\[\.\.\.(.+)\]\]$/.exec(s);
          if (optional) {
            fallback = true;
            params.push(optional[1]!);
            return { text: `{${optional[1]}}`, re: "?(.*)" };
          }
          const m = /^\[(\.\.\.)?(.+)\]$/.exec(s);
          if (!m) return { text: s, re: s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") };
          params.push(m[2]!);
          return { text: `{${m[2]}}`, re: m[1] ? "(.+)" : "([^/]+)" };
        });
        found.push({
          path: "/" + parts.map((p) => p.text).join("/"),
          file: path.join(dir, entry.name),
          params,
          regex: new RegExp("^/" + parts.map((p) => p.re).join("/") + "$"),
          fallback,
        });
      }
    }
  };
  walk(path.join(projectRoot, under), under.split("/").slice(1)); // app/ is not part of the URL
  // literal segments before parameters, so /executions/{id}/status wins over {id}, and the
  // fallback catch-all last
  return found.sort((a, b) => Number(a.fallback) - Number(b.fallback) || a.params.length - b.params.length || b.path.length - a.path.length);
}
