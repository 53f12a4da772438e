// Runs before every page: a request without a session cookie goes to /sign-in at once, and
// pages learn their own path (x-runwatch-path) so the real check in their layout, which
// validates the session in the database, can send the user back where they were going.
import { NextResponse, type NextRequest } from "next/server";

const SESSION_COOKIE = /(?:^|;\s*)(?:__Secure-)?runwatch\.session_token=/;

export function proxy(request: NextRequest) {
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

export const config = {
  // pages only: not the APIs (they answer 401 themselves), Next's assets, or the sign-in page
  matcher: ["/((?!api/|_next/|sign-in|favicon\\.svg|robots\\.txt).*)"],
};
