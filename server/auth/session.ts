// The signed-in user of a request, read once from better-auth's session cookie. The shape is
// Runwatch's own and narrow, so tests can build one by hand (see createTRPCContext).
//
// Lookups are cached per process by the cookie's signed value (server/db/announced-cache.ts):
// better-auth's lookup is two queries and its signature check, 4 ms of a dashboard request.
// Triggers announce a deleted or changed session and a changed user, so sign-out and revocation
// still refuse the cookie at once, in every process; an entry lives 30 s at most, and never past
// the session's expiry.
import { config, sessionDatabaseUrl } from "../config";
import { AnnouncedCache } from "../db/announced-cache";
import { auth } from "./auth";
import { listenForSessionChanges, SESSION_CHANNEL } from "./queries";

export type SessionUser = { id: string; email: string; name: string; isPlatformAdmin: boolean };
export type AuthSession = { sessionId: string; user: SessionUser };

/** better-auth's cookie is "runwatch.session_token" (prefixed "__Secure-" over HTTPS). */
const SESSION_COOKIE = /(?:^|;\s*)(?:__Secure-)?runwatch\.session_token=([^;]*)/;

/** The session cookie's (signed) value, or undefined without one. */
export function sessionTokenOf(headers: Headers): string | undefined {
  return SESSION_COOKIE.exec(headers.get("cookie") ?? "")?.[1];
}

/** The listening connection's application_name, so it can be told apart in pg_stat_activity. */
export const SESSION_LISTENER_NAME = "runwatch session cache";

const globalForSessions = globalThis as unknown as { runwatchSessionCache?: AnnouncedCache<AuthSession> | null };

/**
 * This process's session cache, or null with embedded PostgreSQL, which serves one connection
 * only and so cannot spare one for listening.
 */
export function sessionCache(): AnnouncedCache<AuthSession> | null {
  if (globalForSessions.runwatchSessionCache === undefined) {
    globalForSessions.runwatchSessionCache =
      config().RUNWATCH_EMBEDDED_DB === "1"
        ? null
        : new AnnouncedCache<AuthSession>({ channel: SESSION_CHANNEL, listen: listenForSessionChanges, listenerName: SESSION_LISTENER_NAME, what: "session", ttlMs: 30_000, connectionString: sessionDatabaseUrl });
  }
  return globalForSessions.runwatchSessionCache;
}

/** The session behind the request's cookie, or null: no cookie, unknown, expired or revoked. */
export async function getSessionFromHeaders(headers: Headers): Promise<AuthSession | null> {
  // no cookie, no database round trip (and no database at all for requests that need none)
  const token = sessionTokenOf(headers);
  if (token === undefined) return null;
  const cache = sessionCache();
  const cached = cache?.get(token);
  if (cached) return cached;
  const mark = cache?.mark() ?? 0;
  const found = await auth().api.getSession({ headers });
  if (!found) return null;
  const u = found.user as typeof found.user & { isPlatformAdmin?: boolean | null };
  const session: AuthSession = {
    sessionId: found.session.id,
    user: { id: u.id, email: u.email, name: u.name, isPlatformAdmin: u.isPlatformAdmin === true },
  };
  cache?.set(token, [`session:${session.sessionId}`, `user:${session.user.id}`], session, mark, new Date(found.session.expiresAt).getTime());
  return session;
}
