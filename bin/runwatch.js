#!/usr/bin/env node
// `npx runwatch …`: runs the TypeScript CLI (server/cli/main.ts) through tsx, so the CLI shares
// the server's code without a build step. Exits with the CLI's exit code.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const main = path.join(projectRoot, "server", "cli", "main.ts");
// resolved from the project, so it works from any working directory
const tsx = pathToFileURL(createRequire(path.join(projectRoot, "package.json")).resolve("tsx")).href;

// a fresh clone has no generated Prisma client yet
const { generateIfNeeded } = await import(pathToFileURL(path.join(projectRoot, "scripts", "generate-if-needed.mjs")).href);
generateIfNeeded();

const child = spawnSync(process.execPath, ["--import", tsx, main, ...process.argv.slice(2)], { stdio: "inherit" });
if (child.error) {
  process.stderr.write(`runwatch: cannot start the CLI: ${child.error.message}\n`);
  process.exit(1);
}
// a signal ends the CLI as it would end any program: 128 + the signal's number
process.exit(child.status ?? 128 + (child.signal ? (await import("node:os")).constants.signals[child.signal] : 1));
