// scripts/serve.ts bundled into one ES module before `npm start` runs it. Run through tsx, the
// server process held about 60 MB more heap (peak RSS under the ingestion benchmark 284–296 MB
// against 192–200 MB for `next start`): tsx's transpiled sources and their inline source maps.
// The bundle (our TypeScript only, every package left to node_modules, ~0.4 MB, built in under
// a second) brings the peak back to ~200 MB.
import path from "node:path";
import { build } from "esbuild";

/**
 * Where the bundle goes: inside the build folder, two levels below the project root, so that
 * `projectRoot` of server/db/migrate.ts (two folders up from its module) is the project root
 * in the bundle too.
 */
export function serveBundlePath(projectRoot: string): string {
  return path.join(projectRoot, ".next", "runwatch", "serve.mjs");
}

export async function bundleServe(projectRoot: string): Promise<string> {
  const outfile = serveBundlePath(projectRoot);
  await build({
    entryPoints: [path.join(projectRoot, "scripts", "serve.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    tsconfig: path.join(projectRoot, "tsconfig.json"),
    logLevel: "warning",
    // CommonJS-style require() in bundled code (createRequire is what Node offers an ES module)
    banner: { js: "import { createRequire as __runwatchRequire } from 'node:module'; const require = __runwatchRequire(import.meta.url);" },
  });
  return outfile;
}
