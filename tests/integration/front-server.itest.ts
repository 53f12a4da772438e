// The production server's front (server/http/front.ts, run by scripts/serve.ts for npm start):
// /api/v1 answered from the route table with the headers Next would add, everything else handed
// to Next. The REST half runs in this process with a stand-in for Next, so it needs no build; the
// second half starts scripts/serve.ts against the real production build when there is one.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "../../server/db/client";
import { MAX_BODY_BYTES } from "../../server/http/api";
import { API_CONTENT_SECURITY_POLICY } from "../../server/http/csp";
import { frontListener } from "../../server/http/front";
import { tsxLoader } from "../setup/api-process";
import { projectRoot } from "../setup/app-routes";
import { createTestApiKey, createTestOrg } from "../setup/helpers";

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: Buffer; text: string };

/** One request on a keep-alive agent, so a test can see that a connection survives an answer. */
function request(base: string, method: string, url: string, opts: { body?: string | Buffer; headers?: Record<string, string>; agent?: http.Agent } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(url, base), { method, headers: opts.headers, agent: opts.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString("utf8") });
      });
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

const event = (executionId: string) => ({ eventId: `${executionId}:1`, executionId, workflow: "front-test", status: "PENDING", occurredAt: new Date().toISOString() });

/** What next.config.js and proxy.ts put on every API answer under Next. */
function expectApiHeaders(res: Answer): void {
  expect(res.headers["content-security-policy"]).toBe(API_CONTENT_SECURITY_POLICY);
  expect(res.headers["x-content-type-options"]).toBe("nosniff");
  expect(res.headers["x-frame-options"]).toBe("DENY");
  expect(res.headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
}

describe("the front server's REST half", () => {
  const handed: string[] = [];
  let server: http.Server;
  let base: string;
  let key: string;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const run = randomBytes(3).toString("hex");

  beforeAll(async () => {
    // the stand-in for Next's request handler records what it was handed
    server = http.createServer(
      frontListener((req, res) => {
        handed.push(`${req.method} ${req.url}`);
        res.writeHead(299, { "content-type": "text/plain" }).end("next");
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const { orgId } = await createTestOrg();
    key = (await createTestApiKey(orgId)).key;
  });
  afterAll(async () => {
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const auth = () => ({ authorization: `Bearer ${key}`, "content-type": "application/json" });

  it("ingests a POST /api/v1/events and lists it with GET /api/v1/executions", async () => {
    const posted = await request(base, "POST", "/api/v1/events", { body: JSON.stringify(event(`${run}-a`)), headers: { ...auth(), "x-request-id": "front-1" }, agent });
    expect(posted.status, posted.text).toBe(200);
    expect(JSON.parse(posted.text)).toEqual({ results: [{ eventId: `${run}-a:1`, outcome: "applied", status: "PENDING" }] });
    expectApiHeaders(posted);
    expect(posted.headers["x-request-id"]).toBe("front-1");
    expect(Number(posted.headers["ratelimit-limit"])).toBeGreaterThan(0);

    const list = await request(base, "GET", "/api/v1/executions?workflow=front-test&limit=5", { headers: auth(), agent });
    expect(list.status, list.text).toBe(200);
    expect((JSON.parse(list.text) as { items: { executionId: string }[] }).items.map((i) => i.executionId)).toContain(`${run}-a`);
    expectApiHeaders(list);
    expect(list.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    // decoded path parameters, as Next decodes them
    const one = await request(base, "GET", `/api/v1/executions/${encodeURIComponent(`${run}-a`)}`, { headers: auth(), agent });
    expect(JSON.parse(one.text)).toMatchObject({ executionId: `${run}-a`, status: "PENDING" });
    expect(handed).toEqual([]);
  });

  it("answers an unknown /api/v1 path with the JSON 404, and a wrong method with the JSON 405 and Allow", async () => {
    const unknown = await request(base, "GET", "/api/v1/nope", { headers: auth(), agent });
    expect(unknown.status).toBe(404);
    expect(unknown.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(unknown.text)).toMatchObject({ code: "ROUTE_NOT_FOUND" });
    expectApiHeaders(unknown);

    const wrong = await request(base, "DELETE", "/api/v1/executions", { headers: auth(), agent });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe("GET, HEAD, OPTIONS");
    expect(JSON.parse(wrong.text)).toMatchObject({ code: "METHOD_NOT_ALLOWED" });
    const head = await request(base, "HEAD", "/api/v1/executions?limit=1", { headers: auth(), agent });
    expect([head.status, head.text]).toEqual([200, ""]);
    const options = await request(base, "OPTIONS", "/api/v1/events", { agent });
    expect([options.status, options.headers.allow]).toEqual([204, "POST, OPTIONS"]);
  });

  it("keeps the body limit of readJson: 413 past MAX_BODY_BYTES, declared or streamed, and the connection stays usable", async () => {
    const big = Buffer.alloc(MAX_BODY_BYTES + 100, 0x20);
    const declared = await request(base, "POST", "/api/v1/events", { body: big, headers: { ...auth(), "content-length": String(big.length) }, agent });
    expect([declared.status, JSON.parse(declared.text).code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
    // no Content-Length: the body arrives chunked and the limit applies while it is read
    const streamed = await request(base, "POST", "/api/v1/events", { body: big, headers: { ...auth(), "transfer-encoding": "chunked" }, agent });
    expect([streamed.status, JSON.parse(streamed.text).code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
    const after = await request(base, "POST", "/api/v1/events", { body: JSON.stringify(event(`${run}-b`)), headers: auth(), agent });
    expect(after.status, after.text).toBe(200);
    const bad = await request(base, "POST", "/api/v1/events", { body: "{nope", headers: auth(), agent });
    expect([bad.status, JSON.parse(bad.text).code]).toEqual([400, "INVALID_JSON"]);
  });

  it("refuses a broken % escape with proxy.ts's 400 before any route, and compresses as Next does", async () => {
    const broken = await request(base, "GET", "/api/v1/executions/%E0%A4%A", { headers: auth(), agent });
    expect([broken.status, JSON.parse(broken.text).code]).toEqual([400, "INVALID_PATH"]);
    expectApiHeaders(broken);
    const gz = await request(base, "GET", "/api/v1/openapi.json", { headers: { "accept-encoding": "gzip" }, agent });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gz.headers.vary).toMatch(/Accept-Encoding/);
    expect(JSON.parse(gunzipSync(gz.body).toString("utf8"))).toMatchObject({ openapi: expect.any(String) });
  });

  it("sends a JSON answer in one write with its Content-Length, or compressed without it when asked", async () => {
    // enough executions for a page past the compression threshold (1 kB)
    const events = Array.from({ length: 10 }, (_, i) => event(`${run}-len-${i}`));
    const posted = await request(base, "POST", "/api/v1/events", { body: JSON.stringify({ events }), headers: auth(), agent });
    expect(posted.status, posted.text).toBe(200);
    const list = await request(base, "GET", "/api/v1/executions?limit=5", { headers: auth(), agent });
    expect(list.status, list.text).toBe(200);
    expect(list.headers["content-length"]).toBe(String(list.body.length));
    expect(list.headers["transfer-encoding"]).toBeUndefined();
    const items = (JSON.parse(list.text) as { items: unknown[] }).items;
    expect(items.length).toBeGreaterThan(0);
    const unknown = await request(base, "GET", "/api/v1/nope", { agent });
    expect(unknown.headers["content-length"]).toBe(String(unknown.body.length));
    // a page of a few kB, past the middleware's threshold: gzip, and the length of the plain text dropped
    const gz = await request(base, "GET", "/api/v1/executions?limit=50", { headers: { ...auth(), "accept-encoding": "gzip" }, agent });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gz.headers.vary).toMatch(/Accept-Encoding/);
    expect(gz.headers["content-length"]).toBeUndefined();
    expect((JSON.parse(gunzipSync(gz.body).toString("utf8")) as { items: unknown[] }).items.length).toBeGreaterThanOrEqual(items.length);
  });

  it("hands pages, other APIs and whatever Next would redirect or refuse to Next", async () => {
    handed.length = 0;
    for (const [method, url] of [
      ["GET", "/sign-in"],
      ["GET", "/api/health"],
      ["GET", "/api/v1beta"],
      ["GET", "/api/v1/events/"],
      ["GET", "/api/v1//events"],
      ["PROPFIND", "/api/v1/events"],
    ] as const) {
      const res = await request(base, method, url, { agent });
      expect([res.status, res.text], `${method} ${url}`).toEqual([299, "next"]);
    }
    expect(handed).toEqual(["GET /sign-in", "GET /api/health", "GET /api/v1beta", "GET /api/v1/events/", "GET /api/v1//events", "PROPFIND /api/v1/events"]);
  });
});

/** scripts/serve.ts as a child process on a free port; resolves once it says it is ready. */
async function startServe(args: string[], timeoutMs: number): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const name = ["scripts/serve.ts", ...args].join(" ");
  let output = "";
  const child = spawn(process.execPath, ["--import", tsxLoader, path.join(projectRoot, "scripts/serve.ts"), ...args, "-p", "0", "-H", "127.0.0.1"], {
    cwd: projectRoot,
    env: { ...process.env, NODE_ENV: "production", DATABASE_REPLICA_URLS: "", RUNWATCH_DB_POOL_SIZE: "4", RUNWATCH_MONITOR: "0", LOG_LEVEL: "warn", BETTER_AUTH_SECRET: randomBytes(32).toString("hex") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
    const onData = (d: Buffer) => {
      output += String(d);
      const m = /Server ready on port (\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code}:\n${output}`)));
  });
  return { child, port, output: () => output };
}

// scripts/serve.ts --api-only: the production entry without Next (no build needed), as the
// benchmarks run it
describe.skipIf(process.env.RUNWATCH_EMBEDDED_DB === "1")("scripts/serve.ts --api-only", () => {
  let child: ChildProcess;
  let base: string;
  let key: string;
  let output = "";

  beforeAll(async () => {
    const { orgId } = await createTestOrg();
    key = (await createTestApiKey(orgId)).key;
    const served = await startServe(["--api-only"], 60_000);
    ({ child } = served);
    output = served.output();
    base = `http://127.0.0.1:${served.port}`;
  }, 90_000);
  afterAll(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });

  it("serves the REST API, answers every other path with a JSON 404, and stops on SIGTERM with 143", async () => {
    expect(output).toMatch(/--api-only/);
    const posted = await request(base, "POST", "/api/v1/events", { body: JSON.stringify(event("api-only-a")), headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } });
    expect(posted.status, posted.text).toBe(200);
    expectApiHeaders(posted);
    const list = await request(base, "GET", "/api/v1/executions?limit=5", { headers: { authorization: `Bearer ${key}` } });
    expect((JSON.parse(list.text) as { items: { executionId: string }[] }).items.map((i) => i.executionId)).toContain("api-only-a");
    for (const url of ["/sign-in", "/api/health"]) {
      const res = await request(base, "GET", url);
      expect([res.status, JSON.parse(res.text).code], url).toEqual([404, "ROUTE_NOT_FOUND"]);
    }
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
  }, 30_000);
});

// The whole server needs `next build` output; building takes minutes on this machine, so the test
// uses the build that is there (npm start and the e2e tests make one) and says so when there is none.
const hasBuild = existsSync(path.join(projectRoot, ".next", "BUILD_ID"));
// scripts/serve.ts runs beside this process and needs a PostgreSQL server (embedded PGlite serves one process)
const EMBEDDED = process.env.RUNWATCH_EMBEDDED_DB === "1";

describe.skipIf(!hasBuild || EMBEDDED)(`scripts/serve.ts with Next behind it${hasBuild ? "" : " (skipped: no production build in .next; run npm run build)"}`, () => {
  let child: ChildProcess;
  let base: string;
  let key: string;
  let orgId: string;

  beforeAll(async () => {
    ({ orgId } = await createTestOrg());
    key = (await createTestApiKey(orgId)).key;
    const served = await startServe([], 90_000);
    ({ child } = served);
    base = `http://127.0.0.1:${served.port}`;
  }, 120_000);
  afterAll(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });

  it("serves the REST API itself and hands pages and other APIs to Next", async () => {
    const posted = await request(base, "POST", "/api/v1/events", { body: JSON.stringify(event("serve-a")), headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } });
    expect(posted.status, posted.text).toBe(200);
    expectApiHeaders(posted);
    const list = await request(base, "GET", "/api/v1/executions?limit=5", { headers: { authorization: `Bearer ${key}` } });
    expect((JSON.parse(list.text) as { items: { executionId: string }[] }).items.map((i) => i.executionId)).toContain("serve-a");
    const unknown = await request(base, "GET", "/api/v1/nope");
    expect([unknown.status, JSON.parse(unknown.text).code]).toEqual([404, "ROUTE_NOT_FOUND"]);

    // Next: its own API route, a page with proxy.ts's per-request nonce, and proxy.ts's redirect
    const health = await request(base, "GET", "/api/health");
    expect([health.status, JSON.parse(health.text)]).toEqual([200, { status: "ok" }]);
    const page = await request(base, "GET", "/sign-in");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.headers["content-security-policy"]).toMatch(/'nonce-[^']+'/);
    expect(page.headers["x-frame-options"]).toBe("DENY");
    const home = await request(base, "GET", "/o/anything");
    expect(home.status).toBe(307);
    expect(home.headers.location).toMatch(/\/sign-in\?next=/);
    // Next's own answer to a trailing slash
    const slash = await request(base, "GET", "/api/v1/events/");
    expect([slash.status, slash.headers.location]).toEqual([308, "/api/v1/events"]);
  });

  it("records the TCP peer as the client's address, not what the client claims (client-address.ts)", async () => {
    const res = await request(base, "PUT", "/api/v1/workflows/front-peer", {
      body: JSON.stringify({ name: "Front peer" }),
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "x-runwatch-peer": "forged 6.6.6.6", "x-forwarded-for": "7.7.7.7" },
    });
    expect(res.status, res.text).toBe(200);
    const entry = await prisma().auditLog.findFirst({ where: { orgId, resourceId: "front-peer" }, select: { ip: true, actorType: true } });
    expect(entry).toEqual({ ip: "127.0.0.1", actorType: "API_KEY" });
  });

  it("stops on SIGTERM as next start does: in-flight work finished, exit code 143", async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
  }, 30_000);
});
