// Session checks for server components and layouts: one lookup per request (React cache), and a
// redirect to /sign-in that brings the user back where they were going.
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getSessionFromHeaders, type AuthSession } from "./session";

export const currentSession = cache(async (): Promise<AuthSession | null> => getSessionFromHeaders(await headers()));

/** Only same-site paths: "/o/acme/executions?x=1", never "//evil.example" or "https://…". */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next;
}

export function signInUrl(next: string): string {
  const path = safeNextPath(next);
  return path === "/" ? "/sign-in" : `/sign-in?next=${encodeURIComponent(path)}`;
}

/** The session, or a redirect to /sign-in?next=<path>. */
export async function requireSession(nextPath: string): Promise<AuthSession> {
  const session = await currentSession();
  if (!session) redirect(signInUrl(nextPath));
  return session;
}

/** The page's own path and query, as proxy.ts saw it; the fallback when it did not run. */
export async function requestPath(fallback: string): Promise<string> {
  return safeNextPath((await headers()).get("x-runwatch-path") ?? fallback);
}
