import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";
import capabilityCycles from "./eslint-rules/capability-cycles.mjs";
import sqlInQueries from "./eslint-rules/sql-in-queries.mjs";

// What the browser-side code may import from server/ at run time: pure modules with no database,
// no secrets and no Node-only dependencies. Type imports are free (erased at build time); the
// tRPC router's type reaches components that way.
const CLIENT_SAFE_SERVER_MODULES = [
  "@/server/executions/status",
  "@/server/executions/filter-url",
  "@/server/aggregates/capped-count",
  "@/server/executions/list-prefs",
  "@/server/rbac/permissions",
  "@/server/workflows/schedule",
];

// The server entry points app/ (pages, layouts, route handlers) may call: the HTTP and tRPC
// adapters, the session and access ladder, and the operational endpoints. Anything else is a
// server internal: expose it through one of these instead of importing it from a page.
const APP_SERVER_ENTRY_POINTS = [
  ...CLIENT_SAFE_SERVER_MODULES,
  "@/server/http/api",
  "@/server/http/v1/*",
  "@/server/trpc",
  "@/server/routers/_app",
  "@/server/auth/next",
  "@/server/auth/handler",
  "@/server/rbac/access",
  "@/server/admin/service",
  "@/server/routers/audit-export",
  "@/server/health/service",
  "@/server/metrics/prometheus",
  "@/server/config",
  "@/server/log",
];

// "@/server/http/v1/*" → "http/v1/[^/]+" (the part after @/server/, as a regex source)
const toRegex = (/** @type {string} */ m) => m.slice("@/server/".length).split("*").map((/** @type {string} */ p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]+");
// a regex, not gitignore-style negations: those cannot re-include a file under an excluded folder
const onlyFrom = (/** @type {string[]} */ allowed, /** @type {string} */ who) => ({
  patterns: [
    {
      regex: `^@/server/(?!(${allowed.map(toRegex).join("|")})$)`,
      allowTypeImports: true,
      message: `${who} may import server code only through its entry points (eslint.config.mjs lists them); type imports are fine.`,
    },
    { regex: "^(\\.\\./)+server/", message: "import server modules as @/server/… so the boundary rule sees them" },
  ],
});

const eslintConfig = [
  {
    ignores: [".next/**", "server/generated/**", "node_modules/**", ".runwatch/**", "test-results/**", "playwright-report/**", "next-env.d.ts", "sdk/dist/**"],
  },
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    // type-aware rules: a promise nobody awaits loses its error and its ordering
    files: ["**/*.{ts,tsx}"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { "@typescript-eslint/no-floating-promises": "error" },
  },
  {
    files: ["server/**/*.ts", "app/**/*.{ts,tsx}"],
    plugins: { runwatch: { rules: { "capability-cycles": capabilityCycles, "sql-in-queries": sqlInQueries } } },
    // capability cycles are a server/ matter; SQL is refused in route handlers and pages too
    rules: { "runwatch/sql-in-queries": "error" },
  },
  {
    files: ["server/**/*.ts"],
    rules: { "runwatch/capability-cycles": "error" },
  },
  {
    files: ["components/**/*.{ts,tsx}"],
    rules: { "@typescript-eslint/no-restricted-imports": ["error", onlyFrom(CLIENT_SAFE_SERVER_MODULES, "components/ (browser code)")] },
  },
  {
    files: ["app/**/*.{ts,tsx}"],
    rules: { "@typescript-eslint/no-restricted-imports": ["error", onlyFrom(APP_SERVER_ENTRY_POINTS, "app/")] },
  },
];

export default eslintConfig;
