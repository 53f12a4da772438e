// Sign-in with better-auth: email and password, sessions in PostgreSQL through Prisma.
// Organizations, memberships and roles are Runwatch's own (server/orgs, server/rbac), because
// their keys are org-first like every tenant table.
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { nextCookies } from "better-auth/next-js";
import { config } from "../config";
import { prisma } from "../db/client";
import { CLIENT_ADDRESS_HEADER } from "../http/client-address";

function secret(): string {
  const s = config().BETTER_AUTH_SECRET;
  if (s) return s;
  if (process.env.NODE_ENV === "production" && config().RUNWATCH_ALLOW_EPHEMERAL_SECRET !== "1") {
    throw new Error("BETTER_AUTH_SECRET must be set (32+ characters; `npm start` creates one in .runwatch/auth-secret)");
  }
  return "runwatch-development-secret-not-for-production-use";
}

const configuredUrls = () => [config().BETTER_AUTH_URL, config().RUNWATCH_PUBLIC_URL].filter((u): u is string => !!u);

/**
 * The origins better-auth accepts on its POSTs: the configured public URL, and the address the
 * request itself was sent to (Host, or X-Forwarded-Host behind a proxy), so `npm start` works
 * on whatever host and port it was opened at. A cross-site form still carries the other
 * site's Origin, which matches neither, and is refused.
 */
function trustedOrigins(request?: Request): string[] {
  if (!request) return configuredUrls();
  const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() || new URL(request.url).protocol.replace(/:$/, "");
  const hosts = [request.headers.get("x-forwarded-host"), request.headers.get("host")]
    .filter((h): h is string => !!h)
    .map((h) => h.split(",")[0]!.trim());
  return [...configuredUrls(), ...hosts.map((h) => `${proto}://${h}`)];
}


function createAuth() {
  return betterAuth({
    appName: "Runwatch",
    secret: secret(),
    baseURL: config().BETTER_AUTH_URL ?? config().RUNWATCH_PUBLIC_URL,
    trustedOrigins,
    database: prismaAdapter(prisma(), { provider: "postgresql" }),
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 8 },
    user: {
      additionalFields: {
        isPlatformAdmin: { type: "boolean", defaultValue: false, input: false },
        lastOrgSlug: { type: "string", required: false, input: false },
      },
    },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    advanced: {
      cookiePrefix: "runwatch",
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax" },
      // the address server/auth/handler.ts worked out (peer, or X-Forwarded-For from a trusted
      // proxy); better-auth's default, X-Forwarded-For itself, is whatever the client claims
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
    },
    // login attempts are limited per address here and per account in server/auth/handler.ts, in the database so every app process shares the count
    rateLimit: {
      enabled: true,
      storage: "database",
      window: 60,
      max: 100,
      customRules: { "/sign-in/email": { window: 60, max: config().RUNWATCH_SIGNIN_ATTEMPTS_PER_MINUTE } },
    },
    telemetry: { enabled: false },
    plugins: [nextCookies()],
  });
}

type Auth = ReturnType<typeof createAuth>;
const globalForAuth = globalThis as unknown as { runwatchAuth?: Auth };

export function auth(): Auth {
  globalForAuth.runwatchAuth ??= createAuth();
  return globalForAuth.runwatchAuth;
}
