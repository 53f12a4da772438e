// Whether `npm start` must run `npm run build` first: there is no build yet, or a source file is
// newer than it. Generated code is left out: the build regenerates it itself.
import { readdir, stat } from "node:fs/promises";
import path from "node:path";

export const BUILD_INPUTS = ["app", "components", "server", "prisma", "next.config.js"];
const IGNORED_DIRS = new Set(["node_modules", "generated", ".next"]);

/** The newest modification time under `target` (a file or a folder), or 0 when it does not exist. */
export async function newestMtime(target: string): Promise<number> {
  const info = await stat(target).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(target, { withFileTypes: true });
  const times = await Promise.all(
    entries.filter((e) => !(e.isDirectory() && IGNORED_DIRS.has(e.name))).map((e) => newestMtime(path.join(target, e.name))),
  );
  return Math.max(0, ...times);
}

export type BuildCheck = { needed: boolean; reason: string };

export async function checkBuild(projectRoot: string): Promise<BuildCheck> {
  const buildId = await stat(path.join(projectRoot, ".next", "BUILD_ID")).catch(() => null);
  if (!buildId) return { needed: true, reason: "no production build yet" };
  for (const input of BUILD_INPUTS) {
    if ((await newestMtime(path.join(projectRoot, input))) > buildId.mtimeMs) return { needed: true, reason: `${input} changed since the last build` };
  }
  return { needed: false, reason: "the build is up to date" };
}
