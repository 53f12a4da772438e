import { defineConfig } from "prisma/config";

// Only `prisma generate` runs here (the native schema engine is not available offline);
// migrations are applied by scripts/migrate.ts through the WebAssembly schema engine.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/runwatch" },
});
