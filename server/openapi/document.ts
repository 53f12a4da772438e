// The OpenAPI 3.1 document of /api/v1, served at GET /api/v1/openapi.json. Its schemas are the
// zod schemas of server/openapi/schemas.ts through zod's own JSON Schema output (3.1 uses JSON
// Schema 2020-12 as is). tests/unit/openapi.test.ts fails when a route under app/api/v1 is
// missing here; tests/integration/openapi.itest.ts validates recorded answers against it.
import { z } from "zod";
import { MAX_PAGE_SIZE } from "../paging/limits";
import {
  apiErrorSchema,
  eventsBodySchema,
  eventsResponseSchema,
  executionListSchema,
  executionSchema,
  healthSchema,
  statusWriteBodySchema,
  statusWriteResponseSchema,
  timelineSchema,
  workflowPatchBodySchema,
  workflowSchema,
} from "./schemas";

type Json = Record<string, unknown>;

const REQUEST_SCHEMAS = [eventsBodySchema, statusWriteBodySchema, workflowPatchBodySchema];
const RESPONSE_SCHEMAS = [eventsResponseSchema, executionSchema, executionListSchema, statusWriteResponseSchema, timelineSchema, workflowSchema, apiErrorSchema, healthSchema];

const idOf = (schema: z.ZodType) => z.globalRegistry.get(schema)?.id as string;
const ref = (schema: z.ZodType) => ({ $ref: `#/components/schemas/${idOf(schema)}` });

/** Every named schema, request bodies in their input form (defaults optional), answers as sent. */
function componentSchemas(): Record<string, Json> {
  const render = (schemas: z.ZodType[], io: "input" | "output") => {
    const out: Record<string, Json> = {};
    for (const schema of schemas) {
      const rendered = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" });
      // named schemas land in $defs; in the document they are components
      const json = JSON.parse(JSON.stringify(rendered).replaceAll('"#/$defs/', '"#/components/schemas/')) as Json & { $defs?: Record<string, Json> };
      const { $defs = {}, $schema: _s, ...root } = json;
      void _s;
      Object.assign(out, $defs);
      if (!("$ref" in root)) out[idOf(schema)] = root;
    }
    return out;
  };
  return { ...render(RESPONSE_SCHEMAS, "output"), ...render(REQUEST_SCHEMAS, "input") };
}

const jsonBody = (schema: z.ZodType, description: string) => ({ description, content: { "application/json": { schema: ref(schema) } } });

const retryAfter = { "Retry-After": { description: "seconds to wait before retrying", schema: { type: "integer", minimum: 0 } } };
const rateLimitHeaders = {
  "RateLimit-Limit": { description: "requests allowed per window for this API key", schema: { type: "integer" } },
  "RateLimit-Remaining": { description: "requests left in the current window", schema: { type: "integer" } },
  "RateLimit-Reset": { description: "seconds until the window resets", schema: { type: "integer" } },
};

const error = (description: string, headers?: Json) => ({ ...jsonBody(apiErrorSchema, description), ...(headers ? { headers } : {}) });

/** The answers every authenticated route can give besides its own. */
const COMMON_ERRORS = {
  "401": error("API_KEY_MISSING: no Authorization: Bearer rw_…; API_KEY_INVALID: an unknown or revoked key"),
  "429": error("RATE_LIMITED: over this API key's rate limit; retry after Retry-After", { ...retryAfter, ...rateLimitHeaders }),
  "500": error("INTERNAL_ERROR: a bug in Runwatch; the answer carries a requestId that is in the logs"),
  "503": error("DATABASE_UNAVAILABLE: PostgreSQL cannot be reached; retry after Retry-After", retryAfter),
};

const badRequest = (what: string) => ({
  "400": error(`${what}. INVALID_TEXT: text PostgreSQL cannot store (a NUL, invalid UTF-8; \`field\` names where); INVALID_PATH: a broken % escape in the path; BAD_REQUEST: any other mistake`),
});
const notFound = (code: "EXECUTION_NOT_FOUND" | "WORKFLOW_NOT_FOUND") => ({
  "404": error(`${code}: no such ${code === "EXECUTION_NOT_FOUND" ? "execution" : "workflow"} in this API key's organization (another organization's is answered the same)`),
});

const pathParam = (name: string, description: string) => ({ name, in: "path", required: true, description, schema: { type: "string", minLength: 1, maxLength: 200 } });
const query = (name: string, description: string, schema: Json) => ({ name, in: "query", required: false, description, schema });
const cursorParams = (max: number, dflt: number) => [
  query("limit", `page size, 1–${max}`, { type: "integer", minimum: 1, maximum: max, default: dflt }),
  query("cursor", "the nextCursor of the previous page", { type: "string" }),
];

const executionId = pathParam("executionId", "the engine's execution id");
const workflowKey = pathParam("key", "the workflow key");

const ok = (schema: z.ZodType, description: string) => ({ "200": { ...jsonBody(schema, description), headers: rateLimitHeaders } });

export function openApiDocument(): Json {
  const security = [{ apiKey: [] }];
  const workflowWrite = (summary: string, creates: boolean) => ({
    summary,
    operationId: creates ? "putWorkflow" : "patchWorkflow",
    security,
    parameters: [workflowKey],
    requestBody: { required: true, content: { "application/json": { schema: ref(workflowPatchBodySchema) } } },
    responses: { ...ok(workflowSchema, "the workflow after the change"), ...badRequest("INVALID_JSON / INVALID_BODY: not JSON, or a field of the wrong type or range, or an unknown field"), ...(creates ? {} : notFound("WORKFLOW_NOT_FOUND")), ...COMMON_ERRORS },
  });
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "Runwatch API",
      version: "1",
      description:
        "Engines report executions' lifecycles; operators and scripts read them. Every error is {error, code} (ApiError lists the codes). A path under /api/v1 that names no route is a 404 ROUTE_NOT_FOUND; a route asked with a method it lacks is a 405 METHOD_NOT_ALLOWED with Allow. See CONTRACT §3.",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "an API key: rw_ followed by at least 32 URL-safe characters" } },
      schemas: componentSchemas(),
    },
    paths: {
      "/api/v1/events": {
        post: {
          summary: "Report one event or a batch of 1–1000",
          operationId: "postEvents",
          security,
          requestBody: { required: true, content: { "application/json": { schema: ref(eventsBodySchema) } } },
          responses: {
            ...ok(eventsResponseSchema, "one result per event, in input order"),
            ...badRequest("INVALID_JSON: the body is empty or not JSON; INVALID_BODY: not one event or {events: [1–1000]}; INVALID_EVENT: a single event (not a batch) is invalid, and `results` says why. Nothing is applied"),
            "413": error("PAYLOAD_TOO_LARGE: the body is over 1 MiB"),
            ...COMMON_ERRORS,
          },
        },
      },
      "/api/v1/executions": {
        get: {
          summary: "List executions, newest first",
          operationId: "listExecutions",
          security,
          parameters: [
            query("status", "comma-separated statuses (aliases accepted)", { type: "string" }),
            query("workflow", "comma-separated workflow keys", { type: "string" }),
            query("stuck", "only stuck (true) or only not stuck (false)", { type: "string", enum: ["true", "false"] }),
            ...cursorParams(MAX_PAGE_SIZE, 50),
            query("from", "created at or after (ISO-8601)", { type: "string", format: "date-time" }),
            query("to", "created before (ISO-8601)", { type: "string", format: "date-time" }),
            query("q", "execution id prefix", { type: "string" }),
            { ...query("meta", "key=value metadata filter; repeat for several", { type: "array", items: { type: "string" } }), style: "form", explode: true },
          ],
          responses: { ...ok(executionListSchema, "a page of executions"), ...badRequest("INVALID_QUERY: an unknown parameter, or a bad status, limit, stuck, from/to or meta; INVALID_CURSOR: not a nextCursor"), ...COMMON_ERRORS },
        },
      },
      "/api/v1/executions/{executionId}": {
        get: {
          summary: "One execution",
          operationId: "getExecution",
          security,
          parameters: [executionId],
          responses: { ...ok(executionSchema, "the execution, with input and output"), ...notFound("EXECUTION_NOT_FOUND"), ...COMMON_ERRORS },
        },
      },
      "/api/v1/executions/{executionId}/status": {
        put: {
          summary: "Write an execution's status",
          operationId: "putExecutionStatus",
          security,
          parameters: [executionId],
          requestBody: { required: true, content: { "application/json": { schema: ref(statusWriteBodySchema) } } },
          responses: {
            ...ok(statusWriteResponseSchema, "applied, or a repeat of the current terminal status"),
            ...badRequest("INVALID_JSON / INVALID_BODY: an unknown status or a malformed body"),
            ...notFound("EXECUTION_NOT_FOUND"),
            "409": error("STATUS_CONFLICT: the execution is terminal and the write names another status, or the write would move it back; currentStatus names its status"),
            ...COMMON_ERRORS,
          },
        },
      },
      "/api/v1/executions/{executionId}/events": {
        get: {
          summary: "An execution's timeline",
          operationId: "getExecutionEvents",
          security,
          parameters: [executionId, ...cursorParams(500, 100)],
          responses: { ...ok(timelineSchema, "a page of the timeline, by occurredAt"), ...badRequest("INVALID_QUERY / INVALID_CURSOR: a bad limit or cursor"), ...notFound("EXECUTION_NOT_FOUND"), ...COMMON_ERRORS },
        },
      },
      "/api/v1/workflows/{key}": {
        get: {
          summary: "A workflow's counters and thresholds",
          operationId: "getWorkflow",
          security,
          parameters: [workflowKey],
          responses: { ...ok(workflowSchema, "the workflow"), ...notFound("WORKFLOW_NOT_FOUND"), ...COMMON_ERRORS },
        },
        patch: workflowWrite("Change a workflow's thresholds, name or schedule", false),
        put: workflowWrite("Create a workflow or change it, so thresholds apply from its first execution", true),
      },
      "/api/v1/openapi.json": {
        get: {
          summary: "This document",
          operationId: "getOpenApi",
          responses: { "200": { description: "the OpenAPI 3.1 document", content: { "application/json": { schema: { type: "object" } } } } },
        },
      },
      "/api/health": {
        get: {
          summary: "Liveness: does the database answer",
          operationId: "getHealth",
          responses: {
            "200": jsonBody(healthSchema, '{"status":"ok"}'),
            "503": jsonBody(healthSchema, "the database does not answer"),
          },
        },
      },
    },
  };
}
