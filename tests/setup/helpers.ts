// Helpers for integration tests. Each test works in its own organization, so tests never see
// each other's rows and need no cleanup.
import { randomBytes } from "node:crypto";
import { createApiKey, type CreatedApiKey } from "../../server/apikeys/service";
import { systemContext } from "../../server/context";
import { prisma } from "../../server/db/client";

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
