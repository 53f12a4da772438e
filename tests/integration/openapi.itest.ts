// Answers recorded from a real API process validate against GET /api/v1/openapi.json: each
// status a route answers must be documented for it, and the body must match its schema.
import { randomBytes } from "node:crypto";
import Ajv2020 from "ajv/dist/2020";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type ApiProcess, startApiProcess } from "../setup/api-process";
import { createTestApiKey, createTestOrg } from "../setup/helpers";

// an API process beside the test process needs a PostgreSQL server: embedded PGlite serves one
// connection to one process (as in scaleout.itest.ts)
const EMBEDDED = process.env.RUNWATCH_EMBEDDED_DB === "1";

type Operation = { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

let api: ApiProcess;
let apiKey: string;
let doc: Doc;
const run = randomBytes(3).toString("hex");
const recorded: { method: string; template: string; url: string; status: number; body: unknown }[] = [];

async function call(method: string, template: string, url: string, body?: unknown, auth = true) {
  const res = await fetch(api.base + url, {
    method,
    headers: { ...(auth ? { authorization: `Bearer ${apiKey}` } : {}), "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  const entry = { method, template, url, status: res.status, body: text ? JSON.parse(text) : null };
  recorded.push(entry);
  return entry;
}

/** What in the recorded answers the document does not allow: an unlisted status, or a body off its schema. */
function validateRecorded(answers: typeof recorded): string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ ...doc, $id: "runwatch:openapi" });
  const problems: string[] = [];
  for (const r of answers) {
    const op = doc.paths[r.template]?.[r.method.toLowerCase()];
    const response = op?.responses[String(r.status)];
    if (!response) {
      problems.push(`${r.method} ${r.url} answered ${r.status}, which the document does not list for ${r.method} ${r.template}: ${JSON.stringify(r.body)}`);
      continue;
    }
    if (!response.content) continue;
    const pointer = ["paths", r.template, r.method.toLowerCase(), "responses", String(r.status), "content", "application/json", "schema"]
      .map((s) => s.replaceAll("~", "~0").replaceAll("/", "~1"))
      .join("/");
    const validate = ajv.getSchema(`runwatch:openapi#/${pointer}`);
    if (!validate) {
      problems.push(`no schema at ${pointer}`);
      continue;
    }
    if (!validate(r.body)) problems.push(`${r.method} ${r.url} ${r.status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(r.body).slice(0, 400)}`);
  }
  return problems;
}

beforeAll(async () => {
  const { orgId } = await createTestOrg();
  apiKey = (await createTestApiKey(orgId)).key;
  api = await startApiProcess(inject("databaseUrl"));
  doc = (await (await fetch(`${api.base}/api/v1/openapi.json`)).json()) as Doc;
}, 90_000);

afterAll(async () => {
  await api?.stop();
});

describe.skipIf(EMBEDDED)("the OpenAPI document against recorded answers", () => {
  it("is served as OpenAPI 3.1", () => {
    expect(doc.openapi).toBe("3.1.0");
  });

  it("documents every answer a route gave, and each body matches its schema", async () => {
    const e = `oa-${run}`;
    const wf = `oa.${run}`;
    const E = "/api/v1/events";
    await call("POST", E, E, { events: [{ eventId: `${e}-1`, executionId: e, workflow: wf, status: "RUNNING", metadata: { team: "a" } }, { eventId: `${e}-bad`, executionId: e, status: "nope" }] });
    await call("POST", E, E, { eventId: `${e}-2`, executionId: e, status: "COMPLETED", output: { n: 1 } });
    await call("POST", E, E, { eventId: `${e}-3`, executionId: e, status: "bogus" });
    await call("POST", E, E, "not json");
    await call("POST", E, E, { events: [] });
    await call("POST", E, E, { eventId: "x", executionId: "y", status: "RUNNING" }, false);
    const X = "/api/v1/executions";
    await call("GET", X, `${X}?limit=5&status=COMPLETED`);
    await call("GET", X, `${X}?bogus=1`);
    const one = "/api/v1/executions/{executionId}";
    await call("GET", one, `${X}/${e}`);
    await call("GET", one, `${X}/missing-${run}`);
    const status = "/api/v1/executions/{executionId}/status";
    await call("PUT", status, `${X}/${e}/status`, { status: "COMPLETED" });
    await call("PUT", status, `${X}/${e}/status`, { status: "FAILED" });
    await call("PUT", status, `${X}/missing-${run}/status`, { status: "FAILED" });
    await call("PUT", status, `${X}/${e}/status`, { nope: 1 });
    const w = "/api/v1/workflows/{key}";
    await call("GET", w, `/api/v1/workflows/${wf}`);
    await call("GET", w, `/api/v1/workflows/missing-${run}`);
    await call("PATCH", w, `/api/v1/workflows/${wf}`, { stuckRunningAfterSeconds: 600 });
    await call("PATCH", w, `/api/v1/workflows/${wf}`, { stuckRunningAfterSeconds: -1 });
    await call("GET", "/api/health", "/api/health", undefined, false);

    expect(validateRecorded(recorded)).toEqual([]);
    // the recording covered answers of every kind, not only the happy ones
    expect(new Set(recorded.map((r) => r.status))).toEqual(new Set([200, 400, 401, 404, 409]));
  });

  // issue 9's routes: until they are on this branch, these answer 404/405 and the test fails
  it("documents the timeline and PUT /workflows/{key} as they answer", async () => {
    recorded.length = 0;
    const e = `oa2-${run}`;
    await call("POST", "/api/v1/events", "/api/v1/events", { eventId: `${e}-1`, executionId: e, workflow: `oa2.${run}`, status: "RUNNING" });
    const timeline = "/api/v1/executions/{executionId}/events";
    expect((await call("GET", timeline, `/api/v1/executions/${e}/events?limit=10`)).status).toBe(200);
    expect((await call("GET", timeline, `/api/v1/executions/missing-${run}/events`)).status).toBe(404);
    const w = "/api/v1/workflows/{key}";
    expect((await call("PUT", w, `/api/v1/workflows/new-oa2.${run}`, { stuckScheduledAfterSeconds: 120 })).status).toBe(200);
    expect(validateRecorded(recorded)).toEqual([]);
  });
});
