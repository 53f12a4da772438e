// Organization settings: the stuck-threshold defaults (ADMIN), rename and delete (OWNER).
// Deleting removes every row the organization owns; its audit log is kept, so the deletion
// itself (and what led to it) stays on record.
import { z } from "zod";
import { afterApiKeyRevoked, awaitApiKeyAnnouncement } from "../apikeys/service";
import { pool } from "../db/client";
import { orgNameSchema } from "../orgs/service";
import { SettingsError } from "./errors";
import { audited, type ServiceContext } from "../rbac/audited";
import { lockOrg } from "./lock";

export const orgSettingsSchema = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  stuckScheduledAfterSeconds: z.number().int(),
  stuckRunningAfterSeconds: z.number().int(),
});
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

export async function getOrgSettings(orgId: string): Promise<OrgSettings> {
  const { rows } = await pool().query<OrgSettings>(
    `SELECT id, slug, name, "stuckScheduledAfterSeconds", "stuckRunningAfterSeconds" FROM organizations WHERE id = $1`,
    [orgId],
  );
  if (!rows[0]) throw new SettingsError("NOT_FOUND", "organization not found");
  return rows[0];
}

const thresholds = (o: OrgSettings) => ({ stuckScheduledAfterSeconds: o.stuckScheduledAfterSeconds, stuckRunningAfterSeconds: o.stuckRunningAfterSeconds });

export async function updateOrgThresholds(ctx: ServiceContext, input: z.input<typeof updateThresholdsInput>): Promise<OrgSettings> {
  const q = updateThresholdsInput.parse(input);
  return audited(ctx, { action: "org.update_thresholds", resourceType: "organization", resourceId: ctx.orgId, permission: "thresholds:manage" }, async (client) => {
    const before = await lockOrg(client, ctx.orgId);
    const { rows } = await client.query<OrgSettings>(
      `UPDATE organizations SET "stuckScheduledAfterSeconds" = COALESCE($2, "stuckScheduledAfterSeconds"),
              "stuckRunningAfterSeconds" = COALESCE($3, "stuckRunningAfterSeconds"), "updatedAt" = now()
        WHERE id = $1
        RETURNING id, slug, name, "stuckScheduledAfterSeconds", "stuckRunningAfterSeconds"`,
      [ctx.orgId, q.stuckScheduledAfterSeconds ?? null, q.stuckRunningAfterSeconds ?? null],
    );
    return { result: rows[0]!, before: thresholds(before), after: thresholds(rows[0]!) };
  });
}

export async function renameOrg(ctx: ServiceContext, input: z.input<typeof renameOrgInput>): Promise<OrgSettings> {
  const q = renameOrgInput.parse(input);
  return audited(ctx, { action: "org.rename", resourceType: "organization", resourceId: ctx.orgId, permission: "org:rename" }, async (client) => {
    const before = await lockOrg(client, ctx.orgId);
    const { rows } = await client.query<OrgSettings>(
      `UPDATE organizations SET name = $2, "updatedAt" = now() WHERE id = $1
        RETURNING id, slug, name, "stuckScheduledAfterSeconds", "stuckRunningAfterSeconds"`,
      [ctx.orgId, q.name],
    );
    return { result: rows[0]!, before: { name: before.name }, after: { name: rows[0]!.name } };
  });
}

/**
 * The organization's activity, counted for the deletion's report and audit entry. The rows go
 * by the foreign keys' ON DELETE CASCADE (migration 20261201134000), not by this list: a table
 * left out of it is still emptied, only not counted. audit_logs has no key and stays.
 */
export const ORG_ACTIVITY_TABLES = [
  "execution_events", "execution_heartbeats", "deferred_events", "processed_events", "execution_hourly",
  "alerts", "alert_events", "alert_storms", "notifications", "delivery_attempts", "workflow_alert_settings",
] as const;

async function countActivity(client: Pick<import("pg").PoolClient, "query">, orgId: string): Promise<Record<string, number>> {
  const counts = ORG_ACTIVITY_TABLES.map((t) => `(SELECT count(*)::int FROM "${t}" WHERE "orgId" = $1) AS "${t}"`);
  const { rows } = await client.query<Record<string, number>>(`SELECT ${counts.join(", ")}`, [orgId]);
  return rows[0]!;
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
    await client.query(`SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE`, [ctx.orgId]);
    // counted under the lock: ingestion's key checks wait for it, so no row joins in between
    const deletedRows = await countActivity(client, ctx.orgId);
    const { rows: keyRows } = await client.query<{ id: string }>(`SELECT id::text FROM api_keys WHERE "orgId" = $1`, [ctx.orgId]);
    keys = keyRows.map((k) => ({ id: k.id, announced: awaitApiKeyAnnouncement(k.id) }));
    // every tenant table but audit_logs cascades from organizations
    await client.query(`DELETE FROM organizations WHERE id = $1`, [ctx.orgId]);
    return {
      result: { id: before.id, slug: before.slug, deletedRows },
      before: { slug: before.slug, name: before.name },
      details: { deletedRows },
    };
  });
  await Promise.all(keys.map((k) => afterApiKeyRevoked(k.id, k.announced)));
  return deleted;
}
