// The front of the production server (issue 15.8): requests for the REST API (/api/v1) go
// straight to their route handlers (the route table of server/http/v1/routes.ts), everything
// else to Next's request handler. Next's router cost two thirds of a single-event ingestion
// (343 req/s at concurrency 32 through `next start`, 1,134 with the same handlers without it),
// and an /api/v1 answer needs nothing of Next but what it adds to every answer, added here from
// the same definitions: next.config.js's security headers and compression, and what proxy.ts
// does for APIs (the API Content-Security-Policy, and the URL guard's 400 before any route).
//
// Requests the front would answer differently from Next go to Next: other methods than the
// seven HTTP ones (Next answers 400), and paths Next redirects (a trailing slash, "//", "\",
// dot segments).
import { randomUUID } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
// @ts-expect-error -- Next's bundled copy of the `compression` middleware ships without types
import compression from "next/dist/compiled/compression/index.js";
import { releaseCompressionStream } from "next/dist/server/lib/release-compression-stream.js";
import nextConfig, { securityHeaders } from "../../next.config.js";
import { InvalidTextError } from "../errors";
import { assertCleanUrl } from "../guard";
import { log } from "../log";
import { errorResponse, internalErrorResponse, jsonTextOf, MAX_BODY_BYTES, unknownRoute } from "./api";
import { API_CONTENT_SECURITY_POLICY } from "./csp";
import { matchV1Route, type V1Handlers } from "./v1/routes";

type Method = keyof V1Handlers;
const METHODS = new Set<string>(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] satisfies Method[]);

/** /api/v1 and below, each segment non-empty and not a dot segment, no backslash. */
const V1_PATH = /^\/api\/v1(?:\/(?!\.\.?(?:\/|$))[^/\\]+)*$/;

/** Whether the front answers this request itself (else Next does). */
export function servesItself(method: string | undefined, url: string | undefined): boolean {
  if (!method || !METHODS.has(method) || !url) return false;
  const q = url.indexOf("?");
  return V1_PATH.test(q < 0 ? url : url.slice(0, q));
}

type Compress = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * The server's request listener: /api/v1 answered here, everything else handed to `next`
 * (Next's getRequestHandler(), or a test's stand-in).
 */
export function frontListener(next: (req: IncomingMessage, res: ServerResponse) => unknown): RequestListener {
  // Next compresses every answer unless next.config.js says `compress: false`
  const compress: Compress | null = (nextConfig as { compress?: boolean }).compress === false ? null : (compression() as Compress);
  return (req, res) => {
    if (!servesItself(req.method, req.url)) {
      void next(req, res);
      return;
    }
    void serveV1(req, res, compress).catch((err: unknown) => {
      // only a broken socket gets here (the handlers turn their own errors into answers)
      log.warn({ err, method: req.method, url: req.url }, "could not answer an API request");
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
}

async function serveV1(req: IncomingMessage, res: ServerResponse, compress: Compress | null): Promise<void> {
  // next.config.js headers(): on every answer
  for (const { key, value } of securityHeaders) res.setHeader(key, value);
  // proxy.ts: every API answer
  res.setHeader("content-security-policy", API_CONTENT_SECURITY_POLICY);
  if (compress) {
    compress(req, res, () => {});
    // as Next's router server: a client that disconnects would otherwise leak the zlib stream
    res.once("close", () => {
      if (!res.writableFinished) releaseCompressionStream(res);
    });
  }
  const url = `http://${req.headers.host || "localhost"}${req.url}`;
  await send(res, await answer(req, url));
}

async function answer(req: IncomingMessage, url: string): Promise<Response> {
  try {
    // proxy.ts's guard: a broken % escape or a NUL is a 400 before any route sees the URL
    assertCleanUrl(url);
  } catch (err) {
    if (err instanceof InvalidTextError) return errorResponse(err);
    throw err;
  }
  const method = req.method as Method;
  const pathname = new URL(url).pathname;
  const match = matchV1Route(pathname);
  const handler = match ? match.route.handlers[method] : unknownRoute;
  const body = method === "GET" || method === "HEAD" ? undefined : await readBody(req);
  const request = new Request(url, { method, headers: requestHeaders(req), body, duplex: "half" } as RequestInit);
  try {
    return await handler(request, { params: Promise.resolve(match?.params ?? {}) });
  } catch (err) {
    // route() answers every error of a handler itself; this is for a bug outside it
    const requestId = randomUUID();
    log.error({ err, requestId, method, url: req.url }, "unhandled error in the API front");
    return internalErrorResponse(requestId);
  }
}

function requestHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.append(name, value);
    else if (value) for (const v of value) headers.append(name, v);
  }
  return headers;
}

/**
 * The body, read up to one byte past MAX_BODY_BYTES: readJson (server/http/api.ts) decides
 * what is too large, as it does under Next, and the front never holds more than that. A body
 * declared too large is not read at all (readJson answers 413 from Content-Length); what is
 * left of an oversized one is drained as Node drains any body nobody read.
 */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  if (Number(req.headers["content-length"]) > MAX_BODY_BYTES) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.off("data", onData).off("end", onEnd).off("error", reject);
        req.resume();
        resolve(Buffer.concat(chunks));
      }
    };
    const onEnd = () => resolve(chunks.length ? Buffer.concat(chunks) : undefined);
    // a client gone before the end of its body: nothing to answer
    const onClose = () => {
      if (!req.complete) reject(new Error("the client closed the connection before the end of its request body"));
    };
    req.on("data", onData).once("end", onEnd).once("error", reject).once("close", onClose);
  });
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) if (name !== "set-cookie") res.setHeader(name, value);
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.setHeader("set-cookie", cookies);
  // The API's answers are small JSON documents (pages of at most 500 rows): one write, with its
  // length (the compression middleware drops it when it compresses). A json() answer is sent
  // from its text: reading it back from the Response's stream cost 0.13 ms of a first page.
  const text = jsonTextOf(response);
  const body = text !== undefined ? Buffer.from(text) : response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
  if (body && !res.hasHeader("content-length")) res.setHeader("content-length", body.length);
  res.end(body);
}
