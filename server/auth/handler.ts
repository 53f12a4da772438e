// The front of better-auth's routes (/api/auth/*): the boundary guard on JSON bodies, the client
// address as server/http/client-address.ts decides it (better-auth's own limit per address reads
// it from CLIENT_ADDRESS_HEADER, never from a header the client set), and the sign-in limit per
// account. Errors answer like /api/v1: {error, code}, 503 with Retry-After in an outage.
import { classifyError, type ApiErrorCode } from "../errors";
import { findBadText } from "../guard";
import { errorResponse, internalErrorResponse, json } from "../http/api";
import { CLIENT_ADDRESS_HEADER, requestAddress } from "../http/client-address";
import { log } from "../log";
import { auth } from "./auth";
import { sessionCache, sessionTokenOf } from "./session";
import { clearSignInAttempts, takeSignInAttempt } from "./signin-limit";

function emailOf(body: unknown): string | null {
  const email = (body as { email?: unknown } | null)?.email;
  return typeof email === "string" && email.trim() ? email : null;
}

export async function handleAuthRequest(req: Request): Promise<Response> {
  try {
    const headers = new Headers(req.headers);
    headers.delete(CLIENT_ADDRESS_HEADER);
    const address = requestAddress(req.headers);
    if (address) headers.set(CLIENT_ADDRESS_HEADER, address);

    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const text = hasBody ? await req.text() : undefined;
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: better-auth answers that itself
      }
      const bad = findBadText(parsed);
      if (bad) return errorResponse(bad);
    }

    const isSignIn = req.method === "POST" && new URL(req.url).pathname.endsWith("/sign-in/email");
    const email = isSignIn ? emailOf(parsed) : null;
    if (email) {
      const verdict = await takeSignInAttempt(email);
      if (!verdict.allowed) {
        const code: ApiErrorCode = "RATE_LIMITED";
        return json(
          { error: `too many sign-in attempts for this account; retry after ${verdict.retryAfterSeconds} s`, code, message: "Too many sign-in attempts. Try again later." },
          429,
          { "retry-after": String(verdict.retryAfterSeconds) },
        );
      }
    }

    // a sign-out (or any other change of better-auth's) deletes or changes session rows: this
    // process forgets its cached sessions at once, and a sign-out waits until the trigger's
    // announcement has come round, so every other process refuses the cookie too when it answers
    const changes = req.method !== "GET" && req.method !== "HEAD";
    const signingOut = changes ? sessionCache()?.get(sessionTokenOf(req.headers) ?? "") : undefined;
    const announced = signingOut ? sessionCache()!.announcement(`session:${signingOut.sessionId}`) : undefined;
    const res = await auth().handler(new Request(req.url, { method: req.method, headers, body: text }));
    if (changes) sessionCache()?.clear();
    if (announced && res.ok) await announced;
    if (email && res.ok) await clearSignInAttempts(email);
    if (res.status === 429 && !res.headers.has("retry-after")) {
      // better-auth's own limit says X-Retry-After; the standard header is what clients honour
      const copy = new Response(res.body, res);
      copy.headers.set("retry-after", res.headers.get("x-retry-after") ?? "60");
      return copy;
    }
    return res;
  } catch (err) {
    const known = classifyError(err);
    if (known) return errorResponse(known);
    log.error({ err }, "auth route failed");
    return internalErrorResponse("auth");
  }
}
