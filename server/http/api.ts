// Shared plumbing of the /api/v1 route handlers: API-key authentication, the per-key rate
// limit, bounded JSON bodies, and one place that turns errors into responses.
import { randomUUID } from "node:crypto";
import { authenticateApiKey, type ApiKeyPrincipal } from "../apikeys/service";
import { config } from "../config";
import { log } from "../log";
import { metrics } from "../metrics/prometheus";
import { RateLimiter } from "./rate-limit";

export const MAX_BODY_BYTES = 1024 * 1024;

/** An error that is the client's to fix; its message is shown to them. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", ...headers } });
}

let limiter: RateLimiter | undefined;

function rateLimiter(): RateLimiter {
  if (!limiter) {
    const { RUNWATCH_RATE_LIMIT_PER_SECOND: perSecond, RUNWATCH_RATE_LIMIT_BURST: burst } = config();
    limiter = new RateLimiter(perSecond, burst ?? Math.ceil(perSecond * 2));
  }
  return limiter;
}

/** Replaces the rate limiter (tests use a small one). */
export function setRateLimiter(next: RateLimiter | undefined): void {
  limiter = next;
}

export async function requireApiKey(req: Request): Promise<ApiKeyPrincipal> {
  const header = req.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new HttpError(401, "missing API key: send Authorization: Bearer rw_…", {}, { "www-authenticate": "Bearer" });
  const principal = await authenticateApiKey(match[1]!);
  if (!principal) throw new HttpError(401, "unknown or revoked API key", {}, { "www-authenticate": "Bearer" });
  const verdict = rateLimiter().take(principal.apiKeyId);
  if (!verdict.allowed) {
    throw new HttpError(429, `rate limit exceeded for this API key; retry after ${verdict.retryAfterSeconds} s`, {}, { "retry-after": String(verdict.retryAfterSeconds) });
  }
  return principal;
}

/** Reads at most MAX_BODY_BYTES of JSON: 413 past the limit, 400 when it does not parse. */
export async function readJson(req: Request): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, `request body is larger than ${MAX_BODY_BYTES} bytes`);
  const reader = req.body?.getReader();
  if (!reader) throw new HttpError(400, "request body is empty; send JSON");
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw new HttpError(413, `request body is larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text.trim()) throw new HttpError(400, "request body is empty; send JSON");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function requestMeta(req: Request): { ip: string | null; userAgent: string | null } {
  const forwarded = req.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return { ip: forwarded || req.headers.get("x-real-ip") || null, userAgent: req.headers.get("user-agent") };
}

type Handler<P> = (req: Request, params: P) => Promise<Response>;

/**
 * Wraps a route: HttpErrors become their JSON answer; anything else is logged and hidden
 * behind a 500. Every answer carries a request id (the caller's x-request-id, or a new one)
 * that also tags the log lines, and is timed for /api/metrics under the route's pattern.
 */
export function route<P = Record<string, never>>(pattern: string, handler: Handler<P>) {
  return async (req: Request, ctx?: { params: Promise<P> }): Promise<Response> => {
    const started = performance.now();
    const requestId = req.headers.get("x-request-id")?.slice(0, 128) || randomUUID();
    let res: Response;
    try {
      const params = ctx ? await ctx.params : ({} as P);
      res = await handler(req, params);
    } catch (err) {
      if (err instanceof HttpError) {
        res = json({ error: err.message, ...err.extra }, err.status, err.headers);
      } else {
        log.error({ err, requestId, method: req.method, route: pattern }, "unhandled error in API route");
        res = json({ error: "internal error; it has been logged", requestId }, 500);
      }
    }
    res.headers.set("x-request-id", requestId);
    const seconds = (performance.now() - started) / 1000;
    metrics().httpDuration.observe({ route: pattern, method: req.method, status: String(res.status) }, seconds);
    if (res.status >= 500 || seconds > 1) log.warn({ requestId, method: req.method, route: pattern, status: res.status, ms: Math.round(seconds * 1000) }, "slow or failed request");
    return res;
  };
}
