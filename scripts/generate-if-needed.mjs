#!/usr/bin/env node
// Runs `prisma generate` when the generated client is missing or older than the schema, so a
// fresh clone's `npm start`, `npx runwatch …` and scripts work without a separate step (npm here
// runs no install scripts, so a postinstall hook cannot do it). Plain JS: it must run before
// anything that imports the client.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const schema = path.join(root, "prisma", "schema.prisma");
const client = path.join(root, "server", "generated", "prisma", "client.ts");

export function generateIfNeeded() {
  if (existsSync(client) && statSync(client).mtimeMs >= statSync(schema).mtimeMs) return;
  const prisma = path.join(root, "node_modules", "prisma", "build", "index.js");
  // the native schema engine cannot be downloaded here and generate does not need it
  const res = spawnSync(process.execPath, [prisma, "generate"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? "/bin/true" },
  });
  if (res.status !== 0) {
    process.stderr.write("runwatch: `prisma generate` failed; run `npm run generate` to see why\n");
    process.exit(res.status ?? 1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) generateIfNeeded();
