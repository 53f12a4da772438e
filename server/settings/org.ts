// Organization settings: the stuck-threshold defaults (ADMIN), rename and delete (OWNER).
// Deleting removes every row the organization owns; its audit log is kept, so the deletion
// itself (and what led to it) stays on record.
import { z } from "zod";
import { pool } from "../db/client";
import { orgNameSchema } from "../orgs/service";
import { SettingsError } from "./errors";
import { audited, type MutationContext } from "../rbac/audited";
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

export async function updateOrgThresholds(ctx: MutationContext, input: z.input<typeof updateThresholdsInput>): Promise<OrgSettings> {
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

export async function renameOrg(ctx: MutationContext, input: z.input<typeof renameOrgInput>): Promise<OrgSettings> {
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

// Tables that hold an organization's rows without a foreign key to it (the timeline, aggregates,
// alerting: kept free of FKs for partitioning and ingestion speed). Found by their "orgId" column
// so a table added later is not left behind; audit_logs is kept on purpose.
async function orgOwnedTablesWithoutCascade(client: Pick<import("pg").PoolClient, "query">): Promise<string[]> {
  const { rows } = await client.query<{ table: string }>(
    `SELECT c.table_name AS table
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = current_schema() AND c.column_name = 'orgId' AND c.table_name <> 'audit_logs'
        AND NOT EXISTS (
          SELECT 1 FROM pg_constraint k
           WHERE k.contype = 'f' AND k.conrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass
             AND k.confrelid = (quote_ident(c.table_schema) || '.organizations')::regclass)
      ORDER BY 1`,
  );
  return rows.map((r) => r.table);
}

export async function deleteOrg(ctx: MutationContext, input: z.input<typeof deleteOrgInput>): Promise<{ id: string; slug: string; deletedRows: Record<string, number> }> {
  const q = deleteOrgInput.parse(input);
  return audited(ctx, { action: "org.delete", resourceType: "organization", resourceId: ctx.orgId, permission: "org:delete" }, async (client) => {
    const before = await lockOrg(client, ctx.orgId);
    if (q.confirmSlug !== before.slug) throw new SettingsError("BAD_REQUEST", `type the organization's slug (${before.slug}) to confirm the deletion`);
    // FOR UPDATE now (not just NO KEY UPDATE): ingestion and the monitor wait, then find it gone
    await client.query(`SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE`, [ctx.orgId]);
    const deletedRows: Record<string, number> = {};
    for (const table of await orgOwnedTablesWithoutCascade(client)) {
      const res = await client.query(`DELETE FROM "${table.replace(/"/g, '""')}" WHERE "orgId" = $1`, [ctx.orgId]);
      deletedRows[table] = res.rowCount ?? 0;
    }
    // memberships, API keys, workflows, executions, views, channels and settings cascade
    await client.query(`DELETE FROM organizations WHERE id = $1`, [ctx.orgId]);
    return {
      result: { id: before.id, slug: before.slug, deletedRows },
      before: { slug: before.slug, name: before.name },
      details: { deletedRows },
    };
  });
}
