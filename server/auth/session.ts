// The signed-in user of a request, read once from better-auth's session cookie. The shape is
// Runwatch's own and narrow, so tests can build one by hand (see createTRPCContext).
import { auth } from "./auth";

export type SessionUser = { id: string; email: string; name: string; isPlatformAdmin: boolean };
export type AuthSession = { sessionId: string; user: SessionUser };

/** better-auth's cookie is "runwatch.session_token" (prefixed "__Secure-" over HTTPS). */
const SESSION_COOKIE = /(?:^|;\s*)(?:__Secure-)?runwatch\.session_token=/;

export function hasSessionCookie(headers: Headers): boolean {
  return SESSION_COOKIE.test(headers.get("cookie") ?? "");
}

/** The session behind the request's cookie, or null: no cookie, unknown, expired or revoked. */
export async function getSessionFromHeaders(headers: Headers): Promise<AuthSession | null> {
  // no cookie, no database round trip (and no database at all for requests that need none)
  if (!hasSessionCookie(headers)) return null;
  const found = await auth().api.getSession({ headers });
  if (!found) return null;
  const u = found.user as typeof found.user & { isPlatformAdmin?: boolean | null };
  return {
    sessionId: found.session.id,
    user: { id: u.id, email: u.email, name: u.name, isPlatformAdmin: u.isPlatformAdmin === true },
  };
}
