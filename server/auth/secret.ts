// The session-signing secret for `npm start` on an operator's machine: created once with 256
// random bits and kept in .runwatch/auth-secret (git-ignored, owner-only), so sessions survive
// restarts. A deployment sets BETTER_AUTH_SECRET itself, and that always wins.
//   scripts/start.ts:  env.BETTER_AUTH_SECRET ??= await loadOrCreateAuthSecret(projectRoot);
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

export function authSecretPath(projectRoot: string): string {
  return path.join(projectRoot, ".runwatch", "auth-secret");
}

export async function loadOrCreateAuthSecret(projectRoot: string): Promise<string> {
  const file = authSecretPath(projectRoot);
  try {
    const saved = (await readFile(file, "utf8")).trim();
    if (saved.length >= 32) return saved;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const secret = randomBytes(32).toString("base64url");
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
