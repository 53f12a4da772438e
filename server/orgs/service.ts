// Organizations: creation and lookup by slug. Shared by the CLI, the demo seed and the web UI.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { systemContext } from "../context";
import { prisma } from "../db/client";
import { DomainError } from "../errors";
import { audited } from "../rbac/audited";
import { insertOrg, ORG_SELECT, type OrgRow } from "./queries";

export const orgSlugSchema = z
  .string()
  .regex(/^[a-z0-9-]{2,48}$/, "slug must be 2-48 lowercase letters, digits or hyphens, e.g. acme-prod");

export const orgNameSchema = z.string().trim().min(1, "name must not be empty").max(200, "name must be at most 200 characters");

export type Org = OrgRow;

/** A domain error a caller maps to its own transport (exit code, HTTP status, tRPC code). */
export class OrgError extends DomainError {
  constructor(code: "CONFLICT" | "NOT_FOUND", message: string) {
    super(code, message);
    this.name = "OrgError";
  }
}

/** A readable default name for a slug: "acme-prod" → "Acme Prod". */
export function nameFromSlug(slug: string): string {
  return slug
    .split("-")
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ");
}

/**
 * Creates an organization and its first audit entry (org.create) in one transaction. Its id is
 * chosen here so the entry can name the organization it belongs to before the row exists. A
 * taken slug changes nothing and leaves no entry: there is no organization to attach one to.
 */
export async function createOrg(input: { slug: string; name?: string }, actorLabel = "cli"): Promise<Org> {
  const slug = orgSlugSchema.parse(input.slug);
  const name = orgNameSchema.parse(input.name ?? nameFromSlug(slug));
  const id = randomUUID();
  return audited(systemContext(id, actorLabel), { action: "org.create", resourceType: "organization", resourceId: id, recordRefusals: false }, async (client) => {
    const org = await insertOrg(client, { id, slug, name });
    if (!org) throw new OrgError("CONFLICT", `an organization with slug "${slug}" already exists`);
    return { result: org, after: { slug: org.slug, name: org.name } };
  });
}

export async function findOrgBySlug(slug: string): Promise<Org | null> {
  return prisma().organization.findUnique({ where: { slug }, select: ORG_SELECT });
}

export async function requireOrgBySlug(slug: string): Promise<Org> {
  const org = await findOrgBySlug(slug);
  if (!org) throw new OrgError("NOT_FOUND", `no organization with slug "${slug}"`);
  return org;
}
