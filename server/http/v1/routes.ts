// The REST API's route table, declared once. The production server's front (server/http/front.ts)
// matches a path here and calls the handlers itself; the route files under app/api/v1 export
// the very same handlers for `next dev` and for hosting without the front server. A unit test
// (tests/unit/v1-routes.test.ts) keeps the two in step: every route file is an entry here and
// exports that entry's handlers.
import { methods } from "../api";
import { postEvents } from "./events";
import { getExecutionRoute, listEventsRoute, listExecutionsRoute, putStatusRoute } from "./executions";
import { getOpenApiRoute } from "./openapi";
import { getWorkflowRoute, patchWorkflowRoute, putWorkflowRoute } from "./workflows";

export type V1Handlers = ReturnType<typeof methods>;
export type V1Route = {
  /** OpenAPI style, as the route file's folder names it: /api/v1/executions/{executionId} */
  path: string;
  /** the methods the route implements (the OpenAPI document describes these) */
  implemented: string[];
  /** every HTTP method: the implemented ones, HEAD and OPTIONS, and JSON 405s (methods() of api.ts) */
  handlers: V1Handlers;
};

const v1 = (path: string, implemented: Parameters<typeof methods>[0]): V1Route => ({ path, implemented: Object.keys(implemented), handlers: methods(implemented) });

export const V1_ROUTES = {
  events: v1("/api/v1/events", { POST: postEvents }),
  executions: v1("/api/v1/executions", { GET: listExecutionsRoute }),
  execution: v1("/api/v1/executions/{executionId}", { GET: getExecutionRoute }),
  executionEvents: v1("/api/v1/executions/{executionId}/events", { GET: listEventsRoute }),
  executionStatus: v1("/api/v1/executions/{executionId}/status", { PUT: putStatusRoute }),
  openapi: v1("/api/v1/openapi.json", { GET: getOpenApiRoute }),
  workflow: v1("/api/v1/workflows/{key}", { GET: getWorkflowRoute, PATCH: patchWorkflowRoute, PUT: putWorkflowRoute }),
} satisfies Record<string, V1Route>;

type Compiled = { route: V1Route; regex: RegExp; params: string[] };

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const compiled: Compiled[] = Object.values(V1_ROUTES).map((route) => {
  const params: string[] = [];
  const source = route.path
    .split("/")
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) return escape(segment);
      params.push(param[1]!);
      return "([^/]+)";
    })
    .join("/");
  return { route, regex: new RegExp(`^${source}$`), params };
});

export type V1Match = { route: V1Route; params: Record<string, string> };

/**
 * The route of a request path (still percent-encoded, without the query), with its parameters
 * decoded as Next decodes them; null when no route has that path (the JSON 404 of
 * app/api/v1/[[...path]]).
 */
export function matchV1Route(pathname: string): V1Match | null {
  for (const c of compiled) {
    const m = c.regex.exec(pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    for (let i = 0; i < c.params.length; i++) params[c.params[i]!] = decodeURIComponent(m[i + 1]!);
    return { route: c.route, params };
  }
  return null;
}
