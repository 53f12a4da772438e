// Organization settings: the stuck-threshold defaults (ADMIN), rename and delete (OWNER).
// Deleting removes every row the organization owns; its audit log is kept, so the deletion
// itself (and what led to it) stays on record.
import { z } from "zod";
import { apiKeyIdsOfOrg } from "../apikeys/queries";
import { afterApiKeyRevoked, awaitApiKeyAnnouncement } from "../apikeys/service";
import type { ReadContext } from "../context";
import { prisma } from "../db/client";
import { orgNameSchema } from "../orgs/service";
import { SettingsError } from "./errors";
import { audited, type ServiceContext } from "../rbac/audited";
import { lockOrg } from "./lock";
import { orgRow } from "../orgs/queries";
import { countActivity, deleteOrgRow, lockOrgForDelete, renameOrgRow, updateThresholds } from "./queries";

export const orgSettingsSchema = orgRow;
export type OrgSettings = z.infer<typeof orgSettingsSchema>;

const MAX_THRESHOLD_SECONDS = 30 * 24 * 3600;
const thresholdSeconds = (name: string) =>
  z
    .number({ error: `${name} must be a whole number of seconds` })
    .int(`${name} must be a whole number of seconds`)
    .min(1, `${name} must be at least 1 second`)
    .max(MAX_THRESHOLD_SECONDS, `${name} must be at most ${MAX_THRESHOLD_SECONDS} seconds (30 days)`);

export const updateThresholdsInput = z
  .object({
    stuckScheduledAfterSeconds: thresholdSeconds("stuckScheduledAfterSeconds"),
    stuckRunningAfterSeconds: thresholdSeconds("stuckRunningAfterSeconds"),
  })
  .partial()
  .refine((v) => v.stuckScheduledAfterSeconds !== undefined || v.stuckRunningAfterSeconds !== undefined, "send stuckScheduledAfterSeconds, stuckRunningAfterSeconds or both");

export const renameOrgInput = z.object({ name: orgNameSchema });
/** The slug, typed by the person deleting, so a stray click cannot delete an organization. */
export const deleteOrgInput = z.object({ confirmSlug: z.string().max(100) });

export async function getOrgSettings(ctx: ReadContext): Promise<OrgSettings> {
  // the primary, not a replica: the settings page reads its own change back
  const row = await prisma().organization.findUnique({
    where: { id: ctx.orgId },
    select: { id: true, slug: true, name: true, stuckScheduledAfterSeconds: true, stuckRunningAfterSeconds: true },
  });
  if (!row) throw new SettingsError("NOT_FOUND", "organization not found");
  return row;
}

const thresholds = (o: OrgSettings) => ({ stuckScheduledAfterSeconds: o.stuckScheduledAfterSeconds, stuckRunningAfterSeconds: o.stuckRunningAfterSeconds });

export async function updateOrgThresholds(ctx: ServiceContext, input: z.input<typeof updateThresholdsInput>): Promise<OrgSettings> {
  const q = updateThresholdsInput.parse(input);
  return audited(ctx, { action: "org.update_thresholds", resourceType: "organization", resourceId: ctx.orgId, permission: "thresholds:manage" }, async (client) => {
    const before = await lockOrg(client, ctx.orgId);
    const after = await updateThresholds(client, ctx.orgId, { stuckScheduledAfterSeconds: q.stuckScheduledAfterSeconds ?? null, stuckRunningAfterSeconds: q.stuckRunningAfterSeconds ?? null });
    return { result: after, before: thresholds(before), after: thresholds(after) };
  });
}

export async function renameOrg(ctx: ServiceContext, input: z.input<typeof renameOrgInput>): Promise<OrgSettings> {
  const q = renameOrgInput.parse(input);
  return audited(ctx, { action: "org.rename", resourceType: "organization", resourceId: ctx.orgId, permission: "org:rename" }, async (client) => {
    const before = await lockOrg(client, ctx.orgId);
    const after = await renameOrgRow(client, ctx.orgId, q.name);
    return { result: after, before: { name: before.name }, after: { name: after.name } };
  });
}

export async function deleteOrg(ctx: ServiceContext, input: z.input<typeof deleteOrgInput>): Promise<{ id: string; slug: string; deletedRows: Record<string, number> }> {
  const q = deleteOrgInput.parse(input);
  // The organization's API keys go with it (cascade), and their trigger announces each; like a
  // revocation, this waits for the announcements so no cached key outlives the deletion.
  let keys: { id: string; announced: Promise<void> }[] = [];
  const deleted = await audited(ctx, { action: "org.delete", resourceType: "organization", resourceId: ctx.orgId, permission: "org:delete" }, async (client) => {
    const before = await lockOrg(client, ctx.orgId);
    if (q.confirmSlug !== before.slug) throw new SettingsError("BAD_REQUEST", `type the organization's slug (${before.slug}) to confirm the deletion`);
    // FOR UPDATE now (not just NO KEY UPDATE): ingestion and the monitor wait, then find it gone
    await lockOrgForDelete(client, ctx.orgId);
    // counted under the lock: ingestion's key checks wait for it, so no row joins in between
    const deletedRows = await countActivity(client, ctx.orgId);
    keys = (await apiKeyIdsOfOrg(client, ctx.orgId)).map((id) => ({ id, announced: awaitApiKeyAnnouncement(id) }));
    // every tenant table but audit_logs cascades from organizations
    await deleteOrgRow(client, ctx.orgId);
    return {
      result: { id: before.id, slug: before.slug, deletedRows },
      before: { slug: before.slug, name: before.name },
      details: { deletedRows },
    };
  });
  await Promise.all(keys.map((k) => afterApiKeyRevoked(k.id, k.announced)));
  return deleted;
}
