// The demo's API key is shown once at creation like every key, but `npm start` prints it on
// every start; so the key is kept in .runwatch/demo-credentials.json (git-ignored). The file is
// trusted only while the key still authenticates for the demo organization of the database in
// use: after a database switch or a revocation a fresh key replaces it.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createApiKey } from "../apikeys/service";
import { systemContext } from "../context";
import { hashApiKey } from "../apikeys/keys";
import { prisma } from "../db/client";
import { requireOrgBySlug } from "../orgs/service";
import { DEMO_LOGINS, DEMO_ORG_SLUG, type DemoLogin } from "./seed";

export type DemoCredentials = { orgSlug: string; apiKey: string; logins: DemoLogin[] };

export function demoCredentialsPath(projectRoot: string): string {
  return path.join(projectRoot, ".runwatch", "demo-credentials.json");
}

export async function saveDemoCredentials(projectRoot: string, credentials: DemoCredentials): Promise<void> {
  const file = demoCredentialsPath(projectRoot);
  await mkdir(path.dirname(file), { recursive: true });
  // owner-only: it holds a live API key
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
}

async function readSavedCredentials(projectRoot: string): Promise<DemoCredentials | null> {
  try {
    const saved = JSON.parse(await readFile(demoCredentialsPath(projectRoot), "utf8")) as Partial<DemoCredentials>;
    return typeof saved.apiKey === "string" ? { orgSlug: DEMO_ORG_SLUG, apiKey: saved.apiKey, logins: DEMO_LOGINS } : null;
  } catch {
    return null;
  }
}

async function keyIsLiveForOrg(key: string, orgId: string): Promise<boolean> {
  return (await prisma().apiKey.count({ where: { keyHash: hashApiKey(key), orgId, revokedAt: null } })) > 0;
}

/** The saved demo credentials, or fresh ones (with a new key, saved) when the file is missing or stale. */
export async function loadOrRenewDemoCredentials(projectRoot: string): Promise<DemoCredentials & { renewed: boolean }> {
  const org = await requireOrgBySlug(DEMO_ORG_SLUG);
  const saved = await readSavedCredentials(projectRoot);
  if (saved && (await keyIsLiveForOrg(saved.apiKey, org.id))) return { ...saved, renewed: false };
  const { key } = await createApiKey(systemContext(org.id, "demo"), { name: "Demo key" });
  const fresh = { orgSlug: DEMO_ORG_SLUG, apiKey: key, logins: DEMO_LOGINS };
  await saveDemoCredentials(projectRoot, fresh);
  return { ...fresh, renewed: true };
}
