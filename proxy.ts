// Runs before every request except Next's static assets:
// - pages get a Content-Security-Policy with a fresh nonce (server/http/csp.ts); a request
//   without a session cookie goes to /sign-in at once, and pages learn their own path
//   (x-runwatch-path) so the real check in their layout, which validates the session in the
//   database, can send the user back where they were going;
// - APIs pass the boundary guard here: a broken % escape fails in Next's own path decoding,
//   before any route handler could answer it with JSON.
import { NextResponse, type NextRequest } from "next/server";
import { InvalidTextError } from "./server/errors";
import { assertCleanUrl } from "./server/guard";
import { API_CONTENT_SECURITY_POLICY, newNonce, pageContentSecurityPolicy } from "./server/http/csp";

const SESSION_COOKIE = /(?:^|;\s*)(?:__Secure-)?runwatch\.session_token=/;
const PUBLIC_PAGES = /^\/sign-in(?:\/|$)/;

export function proxy(request: NextRequest) {
  if (request.nextUrl.pathname.startsWith("/api/")) return guardApi(request);
  const path = `${request.nextUrl.pathname}${request.nextUrl.search}`;
  if (!PUBLIC_PAGES.test(request.nextUrl.pathname) && !SESSION_COOKIE.test(request.headers.get("cookie") ?? "")) {
    const url = new URL("/sign-in", request.url);
    if (path !== "/") url.searchParams.set("next", path);
    return NextResponse.redirect(url);
  }
  const nonce = newNonce();
  const policy = pageContentSecurityPolicy(nonce, process.env.NODE_ENV === "development");
  const headers = new Headers(request.headers);
  headers.set("x-runwatch-path", path);
  headers.set("x-nonce", nonce);
  // Next.js reads the nonce for its own scripts from the request's policy
  headers.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", policy);
  return response;
}

function guardApi(request: NextRequest) {
  try {
    assertCleanUrl(request.url);
  } catch (err) {
    if (!(err instanceof InvalidTextError)) throw err;
    const res = NextResponse.json({ error: err.message, code: err.apiCode, ...err.details }, { status: 400 });
    res.headers.set("content-security-policy", API_CONTENT_SECURITY_POLICY);
    return res;
  }
  const response = NextResponse.next();
  response.headers.set("content-security-policy", API_CONTENT_SECURITY_POLICY);
  return response;
}

export const config = {
  // everything but Next's build assets and the public files
  matcher: ["/((?!_next/static|_next/image|favicon\\.svg|robots\\.txt).*)"],
};
