// better-auth as wired in server/auth: demo-style users sign in with email and password, the
// session cookie is httpOnly and SameSite=Lax, the session resolves through the tRPC context,
// sign-out revokes it, and sign-in attempts are rate limited per address.
import { describe, expect, it } from "vitest";
import { handleAuthRequest } from "../../server/auth/handler";
import { getSessionFromHeaders } from "../../server/auth/session";
import { resetConfigForTests } from "../../server/config";
import { pool } from "../../server/db/client";
import { PEER_HEADER, peerHeaderValue } from "../../server/http/client-address";
import { createCaller } from "../../server/routers/_app";
import { createTRPCContext } from "../../server/trpc";
import { addMembership, createUser } from "../../server/users/service";
import { createTestOrg } from "../setup/helpers";

const BASE = "http://runwatch.test";

function uniqueEmail(prefix: string) {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}@example.com`;
}

/** A sign-in as the server sees it: `peer` is the TCP peer (what the server hook stamps). */
async function signIn(email: string, password: string, peer: string, opts: { origin?: string; forwardedFor?: string } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json", origin: opts.origin ?? BASE, host: "runwatch.test", [PEER_HEADER]: peerHeaderValue(peer) };
  if (opts.forwardedFor) headers["x-forwarded-for"] = opts.forwardedFor;
  return handleAuthRequest(new Request(`${BASE}/api/auth/sign-in/email`, { method: "POST", headers, body: JSON.stringify({ email, password }) }));
}

function cookieHeader(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

// a new documentation address (TEST-NET-2) per call: random ones collided now and then, and
// "another address is not affected" then met the first address's limit
let lastIp = 0;
const ip = () => `198.51.100.${(lastIp++ % 254) + 1}`;

describe("sign-in", () => {
  it("signs a user in with a httpOnly, SameSite=Lax session cookie that the tRPC context resolves", async () => {
    const org = await createTestOrg();
    const email = uniqueEmail("ana");
    const user = await createUser({ email, password: "correct horse battery" });
    await addMembership(org.orgId, user.id, "OPERATOR");

    const res = await signIn(email, "correct horse battery", ip());
    expect(res.status).toBe(200);
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith("runwatch.session_token="));
    expect(setCookie).toBeDefined();
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=Lax/i);
    expect(JSON.stringify(await res.clone().json())).not.toMatch(/password|hash/i);

    const headers = new Headers({ cookie: cookieHeader(res) });
    const session = await getSessionFromHeaders(headers);
    expect(session?.user).toEqual({ id: user.id, email, name: user.name, isPlatformAdmin: false });

    const me = await createCaller(await createTRPCContext({ headers })).session.me();
    expect(me.memberships.map((m) => ({ slug: m.slug, role: m.role }))).toEqual([{ slug: org.slug, role: "OPERATOR" }]);

    // sign-out deletes the session row: the same cookie no longer signs anyone in
    const out = await handleAuthRequest(
      new Request(`${BASE}/api/auth/sign-out`, { method: "POST", headers: { cookie: headers.get("cookie")!, origin: BASE, "content-type": "application/json" }, body: "{}" }),
    );
    expect(out.status).toBe(200);
    expect(await getSessionFromHeaders(headers)).toBeNull();
    await expect(createCaller(await createTRPCContext({ headers })).session.me()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("refuses a wrong password and an unknown email alike", async () => {
    const email = uniqueEmail("ben");
    await createUser({ email, password: "correct horse battery" });
    const wrong = await signIn(email, "wrong password!", ip());
    const unknown = await signIn(uniqueEmail("nobody"), "wrong password!", ip());
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.headers.getSetCookie().some((c) => c.startsWith("runwatch.session_token=") && !/Max-Age=0/i.test(c))).toBe(false);
  });

  // Origin checks on better-auth's own routes are off under NODE_ENV=test (better-auth's
  // default); e2e/auth.spec.ts checks a cross-site sign-in against the production build.

  it("rate limits sign-in attempts per address: the 11th in a minute gets 429 with a retry time", async () => {
    const email = uniqueEmail("dee");
    await createUser({ email, password: "correct horse battery" });
    const address = ip();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await signIn(email, "wrong password!", address)).status);
    expect(statuses).toEqual(Array(10).fill(401));
    const limited = await signIn(email, "correct horse battery", address);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("x-retry-after"))).toBeGreaterThan(0);
    // another address is not affected, and the count lives in the database
    expect((await signIn(email, "correct horse battery", ip())).status).toBe(200);
    const { rows } = await pool().query(`SELECT count(*)::int AS n FROM rate_limits WHERE key LIKE $1`, [`%${address}%`]);
    expect(rows[0].n).toBeGreaterThan(0);
  });

  it("ignores X-Forwarded-For from an untrusted peer: 25 claimed addresses are one address, and limited", async () => {
    const email = uniqueEmail("eve");
    await createUser({ email, password: "correct horse battery" });
    const peer = ip();
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await signIn(email, "wrong password!", peer, { forwardedFor: `203.0.113.${i + 1}` })).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(15).fill(429));
    // the count is kept under the peer's address, never under a claimed one
    const { rows } = await pool().query(`SELECT key FROM rate_limits WHERE key LIKE '%203.0.113.%'`);
    expect(rows).toEqual([]);
  });

  it("limits one account per account too: 25 real clients behind a trusted proxy get 429 with Retry-After", async () => {
    process.env.RUNWATCH_TRUSTED_PROXIES = "10.0.0.0/8";
    resetConfigForTests();
    try {
      const email = uniqueEmail("fay");
      await createUser({ email, password: "correct horse battery" });
      const answers: Response[] = [];
      for (let i = 0; i < 25; i++) answers.push(await signIn(email, "wrong password!", "10.1.2.3", { forwardedFor: `192.0.2.${i + 1}, 10.9.9.9` }));
      const statuses = answers.map((r) => r.status);
      expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
      expect(statuses.slice(20)).toEqual(Array(5).fill(429));
      expect(Number(answers[24]!.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await answers[24]!.json()).toMatchObject({ code: "RATE_LIMITED" });
      // each client was counted under its own address (behind the trusted proxy), not the proxy's
      const { rows } = await pool().query<{ key: string }>(`SELECT key FROM rate_limits WHERE key LIKE '%192.0.2.%'`);
      expect(rows.length).toBeGreaterThanOrEqual(20);
      // even the right password waits now
      expect((await signIn(email, "correct horse battery", "10.1.2.3", { forwardedFor: "192.0.2.200" })).status).toBe(429);
    } finally {
      delete process.env.RUNWATCH_TRUSTED_PROXIES;
      resetConfigForTests();
    }
  });
});
