// Runs before every page: a request without a session cookie goes to /sign-in at once, and
// pages learn their own path (x-runwatch-path) so the real check in their layout, which
// validates the session in the database, can send the user back where they were going.
// API requests only pass the boundary guard here: a broken % escape fails in Next's own path
// decoding, before any route handler could answer it with JSON.
import { NextResponse, type NextRequest } from "next/server";
import { InvalidTextError } from "./server/errors";
import { assertCleanUrl } from "./server/guard";

const SESSION_COOKIE = /(?:^|;\s*)(?:__Secure-)?runwatch\.session_token=/;

export function proxy(request: NextRequest) {
  if (request.nextUrl.pathname.startsWith("/api/")) return guardApi(request);
  const path = `${request.nextUrl.pathname}${request.nextUrl.search}`;
  if (!SESSION_COOKIE.test(request.headers.get("cookie") ?? "")) {
    const url = new URL("/sign-in", request.url);
    if (path !== "/") url.searchParams.set("next", path);
    return NextResponse.redirect(url);
  }
  const headers = new Headers(request.headers);
  headers.set("x-runwatch-path", path);
  return NextResponse.next({ request: { headers } });
}

function guardApi(request: NextRequest) {
  try {
    assertCleanUrl(request.url);
  } catch (err) {
    if (!(err instanceof InvalidTextError)) throw err;
    return NextResponse.json({ error: err.message, code: err.apiCode, ...err.details }, { status: 400 });
  }
  return NextResponse.next();
}

export const config = {
  // pages (not Next's assets or the sign-in page), and the APIs for the guard only (they answer
  // 401 themselves)
  matcher: ["/((?!api/|_next/|sign-in|favicon\\.svg|robots\\.txt).*)", "/api/:path*"],
};
