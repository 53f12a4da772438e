// Sign-in sessions are cached per process (server/auth/session.ts); a deleted session, and a
// user whose name, email or platform-admin flag changed, must still be refused or seen changed
// on the very next lookup, through the sessions and users triggers' announcements.
import { afterAll, describe, expect, it } from "vitest";
import { handleAuthRequest } from "../../server/auth/handler";
import { getSessionFromHeaders, sessionCache } from "../../server/auth/session";
import { pool } from "../../server/db/client";
import { PEER_HEADER, peerHeaderValue } from "../../server/http/client-address";
import { createUser } from "../../server/users/service";
import { silently } from "../setup/helpers";

const BASE = "http://runwatch.test";
const EMBEDDED = process.env.RUNWATCH_EMBEDDED_DB === "1";
let n = 0;

/** A signed-in user's cookie, through better-auth's sign-in route. */
async function signedIn(): Promise<{ headers: Headers; userId: string }> {
  const email = `cache-${Date.now().toString(36)}-${n++}@example.com`;
  const user = await createUser({ email, password: "correct horse battery" });
  const res = await handleAuthRequest(
    new Request(`${BASE}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: BASE, host: "runwatch.test", [PEER_HEADER]: peerHeaderValue(`198.18.0.${n}`) },
      body: JSON.stringify({ email, password: "correct horse battery" }),
    }),
  );
  expect(res.status).toBe(200);
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return { headers: new Headers({ cookie }), userId: user.id };
}

describe.skipIf(EMBEDDED)("the session cache", () => {
  afterAll(async () => {
    await sessionCache()?.close();
  });

  it("answers from the cache, and refuses a deleted session on the next lookup", async () => {
    const cache = sessionCache()!;
    expect(await cache.ready()).toBe(true);
    const { headers, userId } = await signedIn();
    const first = (await getSessionFromHeaders(headers))!;
    expect(first.user.id).toBe(userId);

    // a change nobody announced: the cached answer is still served (the cache is really used)
    await silently(`UPDATE users SET name = 'Renamed quietly' WHERE id = $1`, [userId]);
    expect((await getSessionFromHeaders(headers))!.user.name).toBe(first.user.name);

    const announced = cache.announcement(`session:${first.sessionId}`);
    await pool().query(`DELETE FROM sessions WHERE id = $1`, [first.sessionId]);
    await announced;
    expect(await getSessionFromHeaders(headers)).toBeNull();
  });

  it("sees a user's new platform-admin flag on the next lookup", async () => {
    const cache = sessionCache()!;
    expect(await cache.ready()).toBe(true);
    const { headers, userId } = await signedIn();
    expect((await getSessionFromHeaders(headers))!.user.isPlatformAdmin).toBe(false);
    const announced = cache.announcement(`user:${userId}`);
    await pool().query(`UPDATE users SET "isPlatformAdmin" = true WHERE id = $1`, [userId]);
    await announced;
    expect((await getSessionFromHeaders(headers))!.user.isPlatformAdmin).toBe(true);
  });

  it("sign-out refuses the cookie at once, though it was cached", async () => {
    expect(await sessionCache()!.ready()).toBe(true);
    const { headers } = await signedIn();
    expect(await getSessionFromHeaders(headers)).not.toBeNull();
    expect(await getSessionFromHeaders(headers)).not.toBeNull();
    const out = await handleAuthRequest(
      new Request(`${BASE}/api/auth/sign-out`, { method: "POST", headers: { cookie: headers.get("cookie")!, origin: BASE, "content-type": "application/json" }, body: "{}" }),
    );
    expect(out.status).toBe(200);
    expect(await getSessionFromHeaders(headers)).toBeNull();
  });
});
