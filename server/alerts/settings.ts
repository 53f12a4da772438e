// Alert rule settings: storm control and failure-rate defaults per organization, and per workflow
// the failure-rate overrides and the optional auto-timeout. Every change is audited.
import { z } from "zod";
import { audited, type ServiceContext } from "../rbac/audited";
import { pool } from "../db/client";
import { notFound } from "./errors";
import { DEFAULT_FAILURE_RATE, DEFAULT_STORM, effectiveFailureRate, type FailureRateSettings } from "./rules";

export type OrgAlertSettingsView = { stormThreshold: number; stormWindowSeconds: number; failureRate: FailureRateSettings };

const ORG_DEFAULTS = {
  stormThreshold: DEFAULT_STORM.threshold,
  stormWindowSeconds: DEFAULT_STORM.windowSeconds,
  failureRateEnabled: DEFAULT_FAILURE_RATE.enabled,
  failureRatePercent: DEFAULT_FAILURE_RATE.percent,
  failureRateMinExecutions: DEFAULT_FAILURE_RATE.minExecutions,
  failureRateWindowSeconds: DEFAULT_FAILURE_RATE.windowSeconds,
};

type OrgRow = typeof ORG_DEFAULTS;

const orgView = (r: OrgRow): OrgAlertSettingsView => ({
  stormThreshold: r.stormThreshold,
  stormWindowSeconds: r.stormWindowSeconds,
  failureRate: { enabled: r.failureRateEnabled, percent: r.failureRatePercent, minExecutions: r.failureRateMinExecutions, windowSeconds: r.failureRateWindowSeconds },
});

async function orgRow(orgId: string): Promise<OrgRow> {
  const { rows } = await pool().query<OrgRow>(
    `SELECT "stormThreshold", "stormWindowSeconds", "failureRateEnabled", "failureRatePercent", "failureRateMinExecutions", "failureRateWindowSeconds"
     FROM org_alert_settings WHERE "orgId" = $1`,
    [orgId],
  );
  return rows[0] ?? ORG_DEFAULTS;
}

export async function getOrgAlertSettings(orgId: string): Promise<OrgAlertSettingsView> {
  return orgView(await orgRow(orgId));
}

const percent = z.number().gt(0, "percent must be above 0").max(100, "percent is at most 100");
const minExecutions = z.number().int().min(1, "minExecutions must be at least 1").max(1_000_000);
const windowSeconds = z.number().int().min(1, "windowSeconds must be at least 1").max(7 * 24 * 3600, "windowSeconds is at most 7 days");

export const updateOrgAlertSettingsInput = z
  .object({
    stormThreshold: z.number().int().min(1, "stormThreshold must be at least 1").max(100_000),
    stormWindowSeconds: windowSeconds,
    failureRate: z.object({ enabled: z.boolean(), percent, minExecutions, windowSeconds }).partial(),
  })
  .partial();

export async function updateOrgAlertSettings(ctx: ServiceContext, input: z.input<typeof updateOrgAlertSettingsInput>): Promise<OrgAlertSettingsView> {
  const { orgId } = ctx;
  const q = updateOrgAlertSettingsInput.parse(input);
  return audited(ctx, { recordRefusals: false, action: "alert_settings.update", resourceType: "organization", resourceId: orgId }, async (client) => {
    const org = await client.query(`SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE`, [orgId]);
    if (org.rowCount === 0) throw notFound("organization");
    const beforeRow = await orgRow(orgId);
    const next: OrgRow = {
      stormThreshold: q.stormThreshold ?? beforeRow.stormThreshold,
      stormWindowSeconds: q.stormWindowSeconds ?? beforeRow.stormWindowSeconds,
      failureRateEnabled: q.failureRate?.enabled ?? beforeRow.failureRateEnabled,
      failureRatePercent: q.failureRate?.percent ?? beforeRow.failureRatePercent,
      failureRateMinExecutions: q.failureRate?.minExecutions ?? beforeRow.failureRateMinExecutions,
      failureRateWindowSeconds: q.failureRate?.windowSeconds ?? beforeRow.failureRateWindowSeconds,
    };
    await client.query(
      `INSERT INTO org_alert_settings ("orgId", "stormThreshold", "stormWindowSeconds", "failureRateEnabled", "failureRatePercent", "failureRateMinExecutions", "failureRateWindowSeconds")
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT ("orgId") DO UPDATE SET "stormThreshold" = $2, "stormWindowSeconds" = $3, "failureRateEnabled" = $4, "failureRatePercent" = $5,
         "failureRateMinExecutions" = $6, "failureRateWindowSeconds" = $7, "updatedAt" = now()`,
      [orgId, next.stormThreshold, next.stormWindowSeconds, next.failureRateEnabled, next.failureRatePercent, next.failureRateMinExecutions, next.failureRateWindowSeconds],
    );
    return { result: orgView(next), before: orgView(beforeRow), after: orgView(next) };
  });
}

export type WorkflowAlertSettingsView = {
  workflow: string;
  /** null: off */
  autoTimeoutMultiple: number | null;
  /** the workflow's own overrides (null: the organization's setting) */
  overrides: { enabled: boolean | null; percent: number | null; minExecutions: number | null; windowSeconds: number | null };
  /** what the rule uses */
  failureRate: FailureRateSettings;
};

type WfRow = { id: string; key: string; autoTimeoutMultiple: number | null; enabled: boolean | null; percent: number | null; minExecutions: number | null; windowSeconds: number | null };

async function workflowRow(client: Pick<import("pg").PoolClient, "query">, orgId: string, key: string, lock = false): Promise<WfRow> {
  const { rows } = await client.query<WfRow>(
    `SELECT w.id::text, w.key, s."autoTimeoutMultiple", s."failureRateEnabled" AS enabled, s."failureRatePercent" AS percent,
            s."failureRateMinExecutions" AS "minExecutions", s."failureRateWindowSeconds" AS "windowSeconds"
     FROM workflows w LEFT JOIN workflow_alert_settings s ON s."orgId" = w."orgId" AND s."workflowId" = w.id
     WHERE w."orgId" = $1 AND w.key = $2 ${lock ? "FOR UPDATE OF w" : ""}`,
    [orgId, key],
  );
  if (!rows[0]) throw notFound("workflow");
  return rows[0];
}

function wfView(r: WfRow, org: OrgRow): WorkflowAlertSettingsView {
  const overrides = { enabled: r.enabled, percent: r.percent, minExecutions: r.minExecutions, windowSeconds: r.windowSeconds };
  return {
    workflow: r.key,
    autoTimeoutMultiple: r.autoTimeoutMultiple,
    overrides,
    failureRate: effectiveFailureRate(orgView(org).failureRate, overrides),
  };
}

export async function getWorkflowAlertSettings(orgId: string, input: { workflow: string }): Promise<WorkflowAlertSettingsView> {
  const [r, org] = await Promise.all([workflowRow(pool(), orgId, input.workflow), orgRow(orgId)]);
  return wfView(r, org);
}

export const updateWorkflowAlertSettingsInput = z.object({
  workflow: z.string().min(1).max(200),
  // null turns the auto-timeout off; at least the threshold itself
  autoTimeoutMultiple: z.number().min(1, "autoTimeoutMultiple must be at least 1 (a multiple of the stuck threshold), or null for off").max(1000).nullable().optional(),
  failureRate: z.object({ enabled: z.boolean().nullable(), percent: percent.nullable(), minExecutions: minExecutions.nullable(), windowSeconds: windowSeconds.nullable() }).partial().optional(),
});

export async function updateWorkflowAlertSettings(ctx: ServiceContext, input: z.input<typeof updateWorkflowAlertSettingsInput>): Promise<WorkflowAlertSettingsView> {
  const { orgId } = ctx;
  const q = updateWorkflowAlertSettingsInput.parse(input);
  const org = await orgRow(orgId);
  return audited(ctx, { recordRefusals: false, action: "workflow.alert_settings.update", resourceType: "workflow", resourceId: q.workflow }, async (client) => {
    const before = await workflowRow(client, orgId, q.workflow, true);
    const pick = <T>(v: T | undefined, old: T): T => (v === undefined ? old : v);
    const next: WfRow = {
      ...before,
      autoTimeoutMultiple: pick(q.autoTimeoutMultiple, before.autoTimeoutMultiple),
      enabled: pick(q.failureRate?.enabled, before.enabled),
      percent: pick(q.failureRate?.percent, before.percent),
      minExecutions: pick(q.failureRate?.minExecutions, before.minExecutions),
      windowSeconds: pick(q.failureRate?.windowSeconds, before.windowSeconds),
    };
    await client.query(
      `INSERT INTO workflow_alert_settings ("orgId", "workflowId", "autoTimeoutMultiple", "failureRateEnabled", "failureRatePercent", "failureRateMinExecutions", "failureRateWindowSeconds")
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT ("orgId", "workflowId") DO UPDATE SET "autoTimeoutMultiple" = $3, "failureRateEnabled" = $4, "failureRatePercent" = $5,
         "failureRateMinExecutions" = $6, "failureRateWindowSeconds" = $7, "updatedAt" = now()`,
      [orgId, before.id, next.autoTimeoutMultiple, next.enabled, next.percent, next.minExecutions, next.windowSeconds],
    );
    return { result: wfView(next, org), before: wfView(before, org), after: wfView(next, org) };
  });
}
