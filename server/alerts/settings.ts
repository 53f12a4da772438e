// Alert rule settings: storm control and failure-rate defaults per organization, and per workflow
// the failure-rate overrides and the optional auto-timeout. Every change is audited.
import { z } from "zod";
import type { ReadContext, ServiceContext } from "../context";
import { primaryFor } from "../db/client";
import type { Queryable } from "../db/sql";
import { audited } from "../rbac/audited";
import { notFound } from "./errors";
import { lockOrganization, orgSettingsRowOf, upsertOrgSettings, upsertWorkflowSettings, workflowSettingsRowOf, type OrgSettingsRow, type WorkflowSettingsRow } from "./queries";
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

type OrgRow = OrgSettingsRow;

const orgView = (r: OrgRow): OrgAlertSettingsView => ({
  stormThreshold: r.stormThreshold,
  stormWindowSeconds: r.stormWindowSeconds,
  failureRate: { enabled: r.failureRateEnabled, percent: r.failureRatePercent, minExecutions: r.failureRateMinExecutions, windowSeconds: r.failureRateWindowSeconds },
});

async function orgRow(db: Queryable, orgId: string): Promise<OrgRow> {
  return (await orgSettingsRowOf(db, orgId)) ?? ORG_DEFAULTS;
}

export async function getOrgAlertSettings(ctx: ReadContext): Promise<OrgAlertSettingsView> {
  return orgView(await orgRow(primaryFor(ctx), ctx.orgId));
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
    if (!(await lockOrganization(client, orgId))) throw notFound("organization");
    const beforeRow = await orgRow(client, orgId);
    const next: OrgRow = {
      stormThreshold: q.stormThreshold ?? beforeRow.stormThreshold,
      stormWindowSeconds: q.stormWindowSeconds ?? beforeRow.stormWindowSeconds,
      failureRateEnabled: q.failureRate?.enabled ?? beforeRow.failureRateEnabled,
      failureRatePercent: q.failureRate?.percent ?? beforeRow.failureRatePercent,
      failureRateMinExecutions: q.failureRate?.minExecutions ?? beforeRow.failureRateMinExecutions,
      failureRateWindowSeconds: q.failureRate?.windowSeconds ?? beforeRow.failureRateWindowSeconds,
    };
    await upsertOrgSettings(client, orgId, next);
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

type WfRow = WorkflowSettingsRow;

async function workflowRow(db: Queryable, orgId: string, key: string, lock = false): Promise<WfRow> {
  const row = await workflowSettingsRowOf(db, orgId, key, lock);
  if (!row) throw notFound("workflow");
  return row;
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

export async function getWorkflowAlertSettings(ctx: ReadContext, input: { workflow: string }): Promise<WorkflowAlertSettingsView> {
  const db = primaryFor(ctx);
  const [r, org] = await Promise.all([workflowRow(db, ctx.orgId, input.workflow), orgRow(db, ctx.orgId)]);
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
  const org = await orgRow(primaryFor(ctx), orgId);
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
    await upsertWorkflowSettings(client, orgId, next);
    return { result: wfView(next, org), before: wfView(before, org), after: wfView(next, org) };
  });
}
