// Helpers for integration tests. Each test works in its own organization, so tests never see
// each other's rows and need no cleanup.
import { randomBytes } from "node:crypto";
import { createApiKey, type CreatedApiKey } from "../../server/apikeys/service";
import { systemContext } from "../../server/context";
import { pool, prisma } from "../../server/db/client";

export function uniqueSlug(prefix = "test"): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}

export async function createTestOrg(opts: { slug?: string; name?: string } = {}): Promise<{ orgId: string; slug: string }> {
  const slug = opts.slug ?? uniqueSlug();
  const org = await prisma().organization.create({ data: { slug, name: opts.name ?? `Test ${slug}` }, select: { id: true, slug: true } });
  return { orgId: org.id, slug: org.slug };
}

export async function createTestApiKey(orgId: string, name = "test key"): Promise<CreatedApiKey> {
  return createApiKey(systemContext(orgId, "test"), { name });
}

/**
 * Changes rows without announcing it (triggers off for this session): only a cache that missed
 * nothing can still answer the old value, so a test can prove the cache is really used.
 */
export async function silently(sql: string, params: unknown[]): Promise<void> {
  const client = await pool().connect();
  try {
    await client.query("SET session_replication_role = replica");
    await client.query(sql, params);
  } finally {
    await client.query("RESET session_replication_role").catch(() => {});
    client.release();
  }
}
