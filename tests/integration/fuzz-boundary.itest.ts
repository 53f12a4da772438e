// Hostile input against every /api/v1 route and every tRPC procedure (CONTRACT.md §3 "Errors"):
// NUL, lone surrogates, invalid UTF-8, broken % escapes, huge and deep bodies, __proto__ keys,
// wrong types and forged cursors. Each input carries at least one poison, so every answer must
// be a 4xx (never ≥ 500) and no row may change: every table's checksum is compared before and
// after. Route handlers and procedures run in-process against real PostgreSQL; the proxy's own
// guard (for escapes Next cannot decode) is exercised with real NextRequests.
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import fc from "fast-check";
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";
import * as eventsRoute from "../../app/api/v1/events/route";
import * as executionRoute from "../../app/api/v1/executions/[executionId]/route";
import * as statusRoute from "../../app/api/v1/executions/[executionId]/status/route";
import * as timelineRoute from "../../app/api/v1/executions/[executionId]/events/route";
import * as listRoute from "../../app/api/v1/executions/route";
import * as unknownRoute from "../../app/api/v1/[[...path]]/route";
import * as workflowRoute from "../../app/api/v1/workflows/[key]/route";
import { proxy } from "../../proxy";
import { createMemberSession } from "../../server/auth/testing";
import type { AuthSession } from "../../server/auth/session";
import { pool } from "../../server/db/client";
import { ingestEvents } from "../../server/ingest/service";
import { appRouter, createCaller } from "../../server/routers/_app";
import { createTRPCContext } from "../../server/trpc";
import { createTestApiKey, createTestOrg } from "../setup/helpers";

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

/* ---------------------------------------------------------------------------------------------
 * Table checksums: one md5 per table over every row (api_keys.lastUsedAt is a once-a-minute
 * bookkeeping write of authentication, not a change a request asked for)
 * ------------------------------------------------------------------------------------------- */

async function checksums(): Promise<Record<string, string>> {
  const { rows: tables } = await pool().query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> '_prisma_migrations'
      ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const { rows } = await pool().query<{ sum: string }>(
      `SELECT md5(coalesce(string_agg((to_jsonb(t) - 'lastUsedAt')::text, ',' ORDER BY (to_jsonb(t) - 'lastUsedAt')::text), '')) AS sum FROM "${name}" t`,
    );
    out[name] = rows[0]!.sum;
  }
  return out;
}

/* ---------------------------------------------------------------------------------------------
 * Poisons
 * ------------------------------------------------------------------------------------------- */

const deep = (n: number): unknown => {
  let v: unknown = "x";
  for (let i = 0; i < n; i++) v = { d: v };
  return v;
};

/** A value that must be refused wherever it appears. */
const poisonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string().map((s) => `${s}\u0000${s}`),
  fc.constantFrom("\u0000", "a\u0000b", "\ud800", "x\udc00", "\udbff\u0000"),
  fc.constant(deep(200)),
);
/** A value of some type, often the wrong one. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.constant({ __proto__: { polluted: true } }),
  fc.constantFrom("9".repeat(400), "-1", "1e309", "NaN", "2026-13-45T99:99:99Z"),
);

/** An object with some of the given keys (and __proto__ / constructor), one of them poisoned. */
function poisonedObject(keys: readonly string[], fixed: Record<string, unknown> = {}): fc.Arbitrary<Record<string, unknown>> {
  const allKeys = [...keys, "__proto__", "constructor", "prototype"];
  return fc
    .record({
      picked: fc.subarray(allKeys),
      values: fc.array(anyValue, { minLength: allKeys.length, maxLength: allKeys.length }),
      poisonAt: fc.constantFrom(...keys, "__proto__", "unknownField"),
      poison: poisonValue,
    })
    .map(({ picked, values, poisonAt, poison }) => {
      // JSON.parse semantics: "__proto__" becomes an own key, as from a hostile body
      const obj: Record<string, unknown> = JSON.parse("{}");
      for (const [k, v] of Object.entries(fixed)) obj[k] = v;
      picked.forEach((k, i) => Object.defineProperty(obj, k, { value: values[i], enumerable: true, configurable: true, writable: true }));
      Object.defineProperty(obj, poisonAt, { value: poison, enumerable: true, configurable: true, writable: true });
      return obj;
    });
}

const EVENT_KEYS = ["eventId", "executionId", "workflow", "type", "status", "occurredAt", "attempt", "error", "input", "output", "continuedAsNewTo", "parentExecutionId", "metadata"];

/** Raw bodies: not JSON, not UTF-8, escapes of bad text, too large, too deep. */
const hostileRawBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.constantFrom('{"status": "RUNNING"', "nul\u0000", "[", "{}}", "null", "", "  ", '"just a string"', "123"),
  fc.constantFrom('{"name":"a\\u0000b"}', '{"status":"\\ud800"}', '{"events":[{"eventId":"\\udc00","executionId":"x\\u0000","workflow":"w","status":"RUNNING"}]}', '{"\\u0000":1}'),
  fc.constant(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), // {"a":"<FF FE>"}
  fc.constant(`{"events":[${'{"d":'.repeat(20_000)}1${"}".repeat(20_000)}]}`),
  fc.constant(JSON.stringify({ name: "x".repeat(1024 * 1024 + 10) })),
);

/** Path segments as a client would put them on the wire (still encoded). */
const hostileSegment = fc.oneof(
  fc.constantFrom("%00", "%", "%ZZ", "%FF%FE", "%ED%A0%80", "a%00b", "%E0%A4%A", "x%2"),
  fc.string().map((s) => `${encodeURIComponent(s)}%00`),
);

/** Query strings for the list: broken escapes, NUL, forged cursors, wrong types. */
const forgedCursor = fc.oneof(
  fc.string().map((s) => Buffer.from(s).toString("base64url")),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)).toString("base64url")),
  fc.constantFrom(
    Buffer.from(JSON.stringify(["2026-01-01T00:00:00Z", "\u0000", 1])).toString("base64url"),
    Buffer.from(JSON.stringify(["not a date", "x"])).toString("base64url"),
    Buffer.from(JSON.stringify([1e308, { __proto__: 1 }])).toString("base64url"),
    "%%%",
    "a".repeat(5000),
  ),
);
const hostileQuery: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("workflow=%00", "q=a%00b", "status=%", "status=RUNNING%FF", "meta=k%3Dv%00", "meta=%00=1", "from=%00", "limit=%", "stuck=%FF%FE", "cursor=%ZZ", "bad%=1"),
  fc
    .record({ name: fc.constantFrom("status", "workflow", "stuck", "limit", "from", "to", "q", "meta", "cursor", "__proto__"), value: fc.string() })
    .map(({ name, value }) => `${name}=${encodeURIComponent(value)}%00`),
  forgedCursor.map((c) => `cursor=${encodeURIComponent(c)}`),
  fc.record({ name: fc.constantFrom("status", "workflow", "stuck", "limit", "from", "to", "q", "meta"), value: fc.string() }).map(({ name, value }) => `${name}=${encodeURIComponent(value)}`),
);

/* ---------------------------------------------------------------------------------------------
 * Calling the routes as Next would
 * ------------------------------------------------------------------------------------------- */

type RouteModule = Record<string, unknown>;
type Handler = (req: Request, ctx?: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

async function callRoute(mod: RouteModule, method: string, path: string, opts: { key: string; body?: string | Uint8Array; params?: Record<string, string | string[]> }) {
  const handler = mod[method] as Handler;
  const headers: Record<string, string> = { authorization: `Bearer ${opts.key}`, "content-type": "application/json" };
  const req = new Request(`http://runwatch.test${path}`, { method, headers, body: method === "GET" || method === "HEAD" ? undefined : (opts.body as BodyInit | undefined) });
  const res = await handler(req, opts.params ? { params: Promise.resolve(opts.params) } : undefined);
  const text = await res.text();
  return { status: res.status, text, headers: res.headers };
}

function expectClientError(answer: { status: number; text: string; headers: Headers }, what: string) {
  if (answer.status >= 500) throw new Error(`${what} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  if (answer.status >= 400) {
    const body = JSON.parse(answer.text) as { error?: unknown; code?: unknown };
    if (typeof body.error !== "string" || typeof body.code !== "string" || !/^[A-Z][A-Z_]+$/.test(body.code)) {
      throw new Error(`${what}: error body lacks {error, code}: ${answer.text.slice(0, 300)}`);
    }
  }
}

/* ---------------------------------------------------------------------------------------------
 * Fixtures
 * ------------------------------------------------------------------------------------------- */

let org: { orgId: string; slug: string };
let key: string;
let session: AuthSession;
const executionId = `fuzz-exec-${Date.now().toString(36)}`;
const workflowKey = "fuzz.workflow";

beforeAll(async () => {
  org = await createTestOrg();
  key = (await createTestApiKey(org.orgId)).key;
  session = await createMemberSession(org.orgId, "OWNER");
  await pool().query(`UPDATE users SET "isPlatformAdmin" = true WHERE id = $1`, [session.user.id]);
  session = { ...session, user: { ...session.user, isPlatformAdmin: true } };
  const results = await ingestEvents({ orgId: org.orgId }, { events: [
    { eventId: `${executionId}-1`, executionId, workflow: workflowKey, status: "PENDING" },
    { eventId: `${executionId}-2`, executionId, status: "RUNNING" },
  ] });
  expect(results.map((r) => r.outcome)).toEqual(["applied", "applied"]);
  // the first authenticated request writes lastUsedAt; do it before the checksums
  await callRoute(listRoute, "GET", "/api/v1/executions", { key });
});

describe("REST /api/v1 under hostile input", () => {
  it("never answers ≥ 500 and changes no row", async () => {
    const before = await checksums();
    const id = encodeURIComponent(executionId);

    await fc.assert(
      fc.asyncProperty(hostileSegment, async (seg) => {
        const p = safeDecode(seg);
        expectClientError(await callRoute(executionRoute, "GET", `/api/v1/executions/${seg}`, { key, params: { executionId: p } }), `GET executions/${seg}`);
        expectClientError(await callRoute(workflowRoute, "GET", `/api/v1/workflows/${seg}`, { key, params: { key: p } }), `GET workflows/${seg}`);
        expectClientError(
          await callRoute(workflowRoute, "PATCH", `/api/v1/workflows/${seg}`, { key, params: { key: p }, body: '{"name":"ok"}' }),
          `PATCH workflows/${seg}`,
        );
        expectClientError(
          await callRoute(statusRoute, "PUT", `/api/v1/executions/${seg}/status`, { key, params: { executionId: p }, body: '{"status":"COMPLETED"}' }),
          `PUT executions/${seg}/status`,
        );
        expectClientError(await callRoute(timelineRoute, "GET", `/api/v1/executions/${seg}/events`, { key, params: { executionId: p } }), `GET executions/${seg}/events`);
        expectClientError(
          await callRoute(workflowRoute, "PUT", `/api/v1/workflows/${seg}`, { key, params: { key: p }, body: '{"name":"ok"}' }),
          `PUT workflows/${seg}`,
        );
        expectClientError(await callRoute(unknownRoute, "GET", `/api/v1/${seg}/x`, { key, params: { path: [p, "x"] } }), `GET /api/v1/${seg}/x`);
      }),
      { numRuns: RUNS },
    );

    await fc.assert(
      fc.asyncProperty(hostileQuery, async (q) => {
        expectClientError(await callRoute(listRoute, "GET", `/api/v1/executions?${q}`, { key }), `GET executions?${q}`);
        expectClientError(
          await callRoute(timelineRoute, "GET", `/api/v1/executions/${id}/events?${q}`, { key, params: { executionId } }),
          `GET executions/${id}/events?${q}`,
        );
      }),
      { numRuns: RUNS * 2 },
    );

    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostileRawBody,
          poisonedObject(EVENT_KEYS).map((e) => JSON.stringify(e)),
          fc.array(poisonedObject(EVENT_KEYS), { minLength: 1, maxLength: 5 }).map((events) => JSON.stringify({ events })),
        ),
        async (body) => {
          expectClientError(await callRoute(eventsRoute, "POST", "/api/v1/events", { key, body }), "POST events");
        },
      ),
      { numRuns: RUNS * 2 },
    );

    await fc.assert(
      fc.asyncProperty(
        fc.oneof(hostileRawBody, poisonedObject(["status", "occurredAt", "eventId", "error", "output", "attempt"], { status: "COMPLETED" }).map((b) => JSON.stringify(b))),
        async (body) => {
          expectClientError(await callRoute(statusRoute, "PUT", `/api/v1/executions/${id}/status`, { key, params: { executionId }, body }), "PUT status");
        },
      ),
      { numRuns: RUNS },
    );

    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostileRawBody,
          poisonedObject(["name", "stuckScheduledAfterSeconds", "stuckRunningAfterSeconds", "schedule"], { name: "renamed" }).map((b) => JSON.stringify(b)),
        ),
        async (body) => {
          expectClientError(await callRoute(workflowRoute, "PATCH", `/api/v1/workflows/${workflowKey}`, { key, params: { key: workflowKey }, body }), "PATCH workflow");
          expectClientError(await callRoute(workflowRoute, "PUT", `/api/v1/workflows/${workflowKey}`, { key, params: { key: workflowKey }, body }), "PUT workflow");
        },
      ),
      { numRuns: RUNS },
    );

    expect(await checksums()).toEqual(before);
  });

  it("answers a wrong method with a JSON 405 and Allow, an unknown route with a JSON 404", async () => {
    const wrong = await callRoute(eventsRoute, "GET", "/api/v1/events", { key });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST, OPTIONS");
    expect(JSON.parse(wrong.text)).toMatchObject({ code: "METHOD_NOT_ALLOWED" });
    const del = await callRoute(workflowRoute, "DELETE", `/api/v1/workflows/${workflowKey}`, { key, params: { key: workflowKey } });
    expect(del.status).toBe(405);
    expect(del.headers.get("allow")).toBe("GET, HEAD, PUT, PATCH, OPTIONS");
    const unknown = await callRoute(unknownRoute, "GET", "/api/v1/nothing/here", { key, params: { path: ["nothing", "here"] } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toMatch(/application\/json/);
    expect(JSON.parse(unknown.text)).toMatchObject({ code: "ROUTE_NOT_FOUND" });
  });

  it("names the field of text PostgreSQL cannot store (the issue's 500s)", async () => {
    const nulQuery = await callRoute(listRoute, "GET", "/api/v1/executions?workflow=%00", { key });
    expect(nulQuery.status).toBe(400);
    expect(JSON.parse(nulQuery.text)).toMatchObject({ code: "INVALID_TEXT", field: "query parameter workflow" });
    const broken = await callRoute(executionRoute, "GET", "/api/v1/executions/%FF%FE", { key, params: { executionId: "%FF%FE" } });
    expect(JSON.parse(broken.text)).toMatchObject({ code: "INVALID_PATH" });
    const nulName = await callRoute(workflowRoute, "PATCH", `/api/v1/workflows/${workflowKey}`, { key, params: { key: workflowKey }, body: '{"name":"a\\u0000b"}' });
    expect(nulName.status).toBe(400);
    expect(JSON.parse(nulName.text)).toMatchObject({ code: "INVALID_TEXT", field: "body.name" });
    // ingestion keeps answering per event: the clean neighbour is applied, the bad one invalid
    const batch = await callRoute(eventsRoute, "POST", "/api/v1/events", {
      key,
      body: JSON.stringify({ events: [{ eventId: "nul-1", executionId: "x\u0000", workflow: "w", status: "RUNNING" }, { eventId: `${executionId}-3`, executionId, status: "WAITING" }] }),
    });
    expect(batch.status).toBe(200);
    const results = (JSON.parse(batch.text) as { results: Array<{ outcome: string; reason?: string }> }).results;
    expect(results.map((r) => r.outcome)).toEqual(["invalid", "applied"]);
    expect(results[0]!.reason).toMatch(/event\.executionId contains a NUL/);
  });

  it("the proxy answers escapes Next cannot decode with a JSON 400 before routing", async () => {
    for (const path of ["/api/v1/executions/%", "/api/v1/executions/%FF%FE", "/api/o/%E0%A4%A/audit/export", "/api/v1/executions?q=%ZZ"]) {
      const res = proxy(new NextRequest(`http://runwatch.test${path}`));
      expect(res.status, path).toBe(400);
      expect(await res.json(), path).toMatchObject({ code: expect.stringMatching(/^INVALID_(PATH|TEXT)$/) });
    }
    expect(proxy(new NextRequest("http://runwatch.test/api/v1/executions/run-1?limit=5")).status).toBe(200);
  });
});

/* ---------------------------------------------------------------------------------------------
 * tRPC: every procedure, through createCaller
 * ------------------------------------------------------------------------------------------- */

type AnyProcedure = { _def: { type: "query" | "mutation" | "subscription" } };
const PROCEDURES = appRouter._def.procedures as unknown as Record<string, AnyProcedure>;
const NAMES = Object.keys(PROCEDURES).sort();

// the input fields procedures read, so poisons land where they are used
const TRPC_KEYS = [
  "orgSlug", "executionId", "id", "key", "name", "reason", "note", "query", "filters", "cursor", "limit", "email", "role", "url",
  "type", "secret", "slug", "confirmSlug", "alertId", "channelId", "ruleId", "stuckScheduledAfterSeconds", "stuckRunningAfterSeconds",
  "userId", "from", "to", "status", "workflow", "q", "tab", "settings", "config", "value", "search",
];

describe("tRPC under hostile input", () => {
  it(`every procedure (${NAMES.length}) answers 4xx, never ≥ 500, and changes no row`, async () => {
    expect(NAMES.length).toBeGreaterThan(20);
    const before = await checksums();
    const caller = createCaller(await createTRPCContext({ headers: new Headers({ "user-agent": "fuzz" }), session })) as unknown as Record<
      string,
      Record<string, (input?: unknown) => Promise<unknown>>
    >;
    const failures: string[] = [];
    for (const name of NAMES) {
      const [router, procedure] = name.split(".") as [string, string];
      const poisoned = fc.oneof(
        poisonedObject(TRPC_KEYS, { orgSlug: org.slug }),
        poisonedObject(TRPC_KEYS),
        poisonValue,
        fc.record({ orgSlug: fc.constant(org.slug), cursor: forgedCursor, limit: anyValue, filters: poisonValue }),
      ).map((value) => ({ value, poisoned: true }));
      // reads also get wrong types and forged cursors without a poison: they may succeed, never 5xx
      const wrongTypes = fc
        .record({ orgSlug: fc.constant(org.slug), cursor: forgedCursor, limit: anyValue, executionId: anyValue, key: anyValue, filters: anyValue, id: anyValue })
        .map((value) => ({ value, poisoned: false }));
      const input = PROCEDURES[name]!._def.type === "query" ? fc.oneof(poisoned, wrongTypes) : poisoned;
      await fc.assert(
        fc.asyncProperty(input, async ({ value, poisoned: mustFail }) => {
          try {
            await caller[router]![procedure]!(value);
            if (mustFail) failures.push(`${name} accepted a poisoned input: ${JSON.stringify(value)?.slice(0, 200)}`);
          } catch (err) {
            const status = getHTTPStatusCodeFromError(err as never);
            if (status >= 500) failures.push(`${name} answered ${status}: ${(err as Error).message} (cause: ${String((err as { cause?: unknown }).cause)})`);
          }
        }),
        { numRuns: Math.max(10, Math.round(RUNS / 3)) },
      );
    }
    expect(failures.slice(0, 20)).toEqual([]);
    expect(await checksums()).toEqual(before);
  });
});
