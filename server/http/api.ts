// Shared plumbing of the /api/v1 route handlers: API-key authentication, the per-key rate
// limit, bounded JSON bodies, the boundary guard, and the one place that turns errors into
// responses ({"error", "code"}; 503 with Retry-After when the database cannot be reached).
import { randomUUID } from "node:crypto";
import { authenticateApiKey, type ApiKeyPrincipal } from "../apikeys/service";
import { config } from "../config";
import type { ServiceContext } from "../context";
import { log } from "../log";
import { metrics } from "../metrics/prometheus";
import { BadRequestError, classifyError, DomainError, type ApiErrorCode } from "../errors";
import { assertCleanUrl, findBadText } from "../guard";
import { requestAddress } from "./client-address";
import { RateLimiter, type RateLimitState } from "./rate-limit";

export const MAX_BODY_BYTES = 1024 * 1024;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(body);
  const res = new Response(text, { status, headers: { "content-type": "application/json; charset=utf-8", ...headers } });
  jsonTexts.set(res, text);
  return res;
}

/** The text of every answer json() made (a Response's body cannot change once it is made). */
const jsonTexts = new WeakMap<Response, string>();

/**
 * The body of an answer json() made, for the production front server (server/http/front.ts),
 * which sends it as it is instead of reading it back from the Response's stream; undefined for
 * any other Response.
 */
export function jsonTextOf(res: Response): string | undefined {
  return jsonTexts.get(res);
}

let limiter: { perSecond: number; burst: number; buckets: RateLimiter } | undefined;

/**
 * This process's limiter, as RUNWATCH_RATE_LIMIT_PER_SECOND and RUNWATCH_RATE_LIMIT_BURST say. A
 * changed configuration (a test setting the variables) gets a fresh limiter with empty buckets.
 */
function rateLimiter(): RateLimiter {
  const { RUNWATCH_RATE_LIMIT_PER_SECOND: perSecond, RUNWATCH_RATE_LIMIT_BURST } = config();
  const burst = RUNWATCH_RATE_LIMIT_BURST ?? Math.ceil(perSecond * 2);
  if (limiter?.perSecond !== perSecond || limiter.burst !== burst) limiter = { perSecond, burst, buckets: new RateLimiter(perSecond, burst) };
  return limiter.buckets;
}

/** The IETF RateLimit header fields, so a client (the SDK) can pace itself. */
export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return { "ratelimit-limit": String(state.limit), "ratelimit-remaining": String(state.remaining), "ratelimit-reset": String(state.resetSeconds) };
}

export async function requireApiKey(req: Request): Promise<ApiKeyPrincipal & { rateLimit: RateLimitState }> {
  const header = req.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const headers = { "www-authenticate": "Bearer" };
  if (!match) throw new DomainError("UNAUTHORIZED", "missing API key: send Authorization: Bearer rw_…", { apiCode: "API_KEY_MISSING", headers });
  const principal = await authenticateApiKey(match[1]!);
  if (!principal) throw new DomainError("UNAUTHORIZED", "unknown or revoked API key", { apiCode: "API_KEY_INVALID", headers });
  const verdict = rateLimiter().take(principal.apiKeyId);
  if (!verdict.allowed) {
    throw new DomainError("TOO_MANY_REQUESTS", `rate limit exceeded for this API key; retry after ${verdict.retryAfterSeconds} s`, {
      apiCode: "RATE_LIMITED",
      headers: { "retry-after": String(verdict.retryAfterSeconds), ...rateLimitHeaders(verdict) },
    });
  }
  return { ...principal, rateLimit: { limit: verdict.limit, remaining: verdict.remaining, resetSeconds: verdict.resetSeconds } };
}

/**
 * Reads at most MAX_BODY_BYTES of JSON: 413 past the limit, 400 when it does not parse, is not
 * UTF-8, or (unless the caller guards each part itself, as ingestion does per event) carries
 * text PostgreSQL cannot store.
 */
export async function readJson(req: Request, opts: { guardedPerEvent?: boolean } = {}): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const reader = req.body?.getReader();
  if (!reader) throw new BadRequestError("request body is empty; send JSON", { apiCode: "INVALID_JSON" });
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  let text: string;
  try {
    text = utf8.decode(Buffer.concat(chunks));
  } catch {
    throw new BadRequestError("request body is not valid UTF-8; send JSON encoded as UTF-8", { apiCode: "INVALID_TEXT", details: { field: "body" } });
  }
  if (!text.trim()) throw new BadRequestError("request body is empty; send JSON", { apiCode: "INVALID_JSON" });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new BadRequestError(`request body is not valid JSON: ${(err as Error).message}`, { apiCode: "INVALID_JSON" });
  }
  if (!opts.guardedPerEvent) {
    const bad = findBadText(body);
    if (bad) throw bad;
  }
  return body;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function tooLarge(): DomainError {
  return new DomainError("PAYLOAD_TOO_LARGE", `request body is larger than ${MAX_BODY_BYTES} bytes; split the batch`, { apiCode: "PAYLOAD_TOO_LARGE" });
}

/** The audit facts of a request: the client's address (as server/http/client-address.ts trusts it) and user agent. */
export function headersMeta(headers: Headers): { ip: string | null; userAgent: string | null } {
  return { ip: requestAddress(headers), userAgent: headers.get("user-agent") };
}

export function requestMeta(req: Request): { ip: string | null; userAgent: string | null } {
  return headersMeta(req.headers);
}

/** The service context of a REST call made with an API key. */
export function apiKeyContext(req: Request, principal: ApiKeyPrincipal): ServiceContext {
  return { orgId: principal.orgId, actor: { type: "API_KEY", apiKeyId: principal.apiKeyId, label: `API key ${principal.name}` }, ...requestMeta(req) };
}

type Handler<P> = (req: Request, params: P) => Promise<Response>;

/** The JSON answer of an error: {"error", "code", ...details} with its status and headers. */
export function errorResponse(err: DomainError): Response {
  return json({ error: err.message, code: err.apiCode, ...err.details }, err.status, err.headers);
}

export function internalErrorResponse(requestId: string): Response {
  const code: ApiErrorCode = "INTERNAL_ERROR";
  return json({ error: "internal error; it has been logged (this is a bug in Runwatch)", code, requestId }, 500);
}

/**
 * Wraps a route: the URL passes the boundary guard first; domain errors become their JSON
 * answer, an unreachable database a 503 with Retry-After, anything else is logged and hidden
 * behind a 500. Every answer carries a request id (the caller's x-request-id, or a new one)
 * that also tags the log lines, and is timed for /api/metrics under the route's pattern.
 */
export function route<P = Record<string, never>>(pattern: string, handler: Handler<P>) {
  return async (req: Request, ctx?: { params: Promise<P> }): Promise<Response> => {
    const started = performance.now();
    const requestId = req.headers.get("x-request-id")?.slice(0, 128).replace(/[^\w.:-]/g, "") || randomUUID();
    let res: Response;
    try {
      assertCleanUrl(req.url);
      const params = ctx ? await ctx.params : ({} as P);
      res = await handler(req, params);
    } catch (err) {
      const known = classifyError(err);
      if (known) {
        res = errorResponse(known);
        if (known.code === "SERVICE_UNAVAILABLE") log.warn({ err: (err as Error).message, requestId, route: pattern }, "database unavailable");
      } else {
        log.error({ err, requestId, method: req.method, route: pattern }, "unhandled error in API route");
        res = internalErrorResponse(requestId);
      }
    }
    res.headers.set("x-request-id", requestId);
    const seconds = (performance.now() - started) / 1000;
    metrics().httpDuration.observe({ route: pattern, method: req.method, status: String(res.status) }, seconds);
    if (res.status >= 500 || seconds > 1) log.warn({ requestId, method: req.method, route: pattern, status: res.status, ms: Math.round(seconds * 1000) }, "slow or failed request");
    return res;
  };
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
type Method = (typeof METHODS)[number];
type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, string | string[] | undefined>> }) => Promise<Response>;

/**
 * Every HTTP method of one /api/v1 route file: the ones it implements, HEAD (as GET) and OPTIONS
 * when it has GET, and a JSON 405 with Allow for the rest (Next's own 405 has no body and no
 * Allow). Route files export the result: `export const { GET, HEAD, POST, PUT, PATCH, DELETE,
 * OPTIONS } = methods({ GET: getWorkflowRoute })`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each route's params type differs
export function methods(implemented: Partial<Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE", (req: Request, ctx?: any) => Promise<Response>>>): Record<Method, RouteHandler> {
  const allowed: Method[] = METHODS.filter((m) => m in implemented || (m === "HEAD" && "GET" in implemented) || m === "OPTIONS");
  const allow = allowed.join(", ");
  const notAllowed: RouteHandler = async (req) => {
    const res = json(
      { error: `${req.method} is not allowed here; use ${allowed.filter((m) => m !== "OPTIONS" && m !== "HEAD").join(" or ")}`, code: "METHOD_NOT_ALLOWED" satisfies ApiErrorCode },
      405,
      { allow },
    );
    return res;
  };
  const out = {} as Record<Method, RouteHandler>;
  for (const m of METHODS) {
    const own = (implemented as Record<string, RouteHandler | undefined>)[m];
    if (own) out[m] = own;
    else if (m === "HEAD" && implemented.GET) {
      const get = implemented.GET;
      out[m] = async (req, ctx) => {
        const res = await get(req, ctx);
        return new Response(null, { status: res.status, headers: res.headers });
      };
    } else if (m === "OPTIONS") out[m] = async () => new Response(null, { status: 204, headers: { allow } });
    else out[m] = notAllowed;
  }
  return out;
}

/** The JSON 404 of a path under /api/v1 that names no route. */
export const unknownRoute: RouteHandler = async (req) =>
  json({ error: `no route ${req.method} ${new URL(req.url).pathname}; see the README's HTTP API section for the routes`, code: "ROUTE_NOT_FOUND" satisfies ApiErrorCode }, 404);
