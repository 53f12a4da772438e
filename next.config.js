// Next.js configuration: static security headers on every response, and server-only packages kept out
// of the bundle (they load native bindings, WebAssembly or worker threads at run time).

// The Content-Security-Policy is set per request by proxy.ts (a fresh script nonce for every
// page, server/http/csp.ts); these are the headers that do not change. The production server's
// front (server/http/front.ts) adds them to the REST answers it serves without Next.
export const securityHeaders = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  typedRoutes: false,
  serverExternalPackages: [
    "pg",
    "pg-native",
    "pino",
    "pino-pretty",
    "thread-stream",
    "prom-client",
    "@prisma/client",
    "@prisma/adapter-pg",
    "@prisma/driver-adapter-utils",
    "@prisma/schema-engine-wasm",
    "@electric-sql/pglite",
    "@electric-sql/pglite-socket",
  ],
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
