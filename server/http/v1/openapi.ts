// GET /api/v1/openapi.json: public, like any API's description; built once per process.
import { openApiDocument } from "../../openapi/document";
import { route } from "../api";

let cached: string | undefined;

export const getOpenApiRoute = route("/api/v1/openapi.json", async () => {
  cached ??= JSON.stringify(openApiDocument());
  return new Response(cached, { headers: { "content-type": "application/json; charset=utf-8", "cache-control": "public, max-age=300" } });
});

