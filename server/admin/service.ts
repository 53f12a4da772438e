// The platform admin's overview: every organization with its last 24 hours, what is stuck now and
// its open alerts. Reads across tenants on purpose, so only the platform-admin procedure calls it.
import { z } from "zod";
import { pool } from "../db/client";
import { hasAlertsTable, MAX_ORGS_LISTED, openAlertsByOrg as openAlertRows, orgOverviewRows } from "./queries";

export const orgOverviewSchema = z.object({
  orgId: z.string(),
  slug: z.string(),
  name: z.string(),
  members: z.number().int(),
  executions24h: z.number().int(),
  /** failed or timed out ÷ (completed + failed + timed out), over executions created in the last 24 h; null when none finished */
  failureRate24h: z.number().nullable(),
  stuckNow: z.number().int(),
  /** null when alerting is not available in this database */
  openAlerts: z.number().int().nullable(),
});
export type OrgOverview = z.infer<typeof orgOverviewSchema>;


async function openAlertsByOrg(): Promise<Map<string, number> | null> {
  try {
    // alerting arrived in its own migration; a database without it shows "—" rather than failing the page
    if (!(await hasAlertsTable(pool()))) return null;
    return new Map((await openAlertRows(pool())).map((r) => [r.orgId, r.n]));
  } catch {
    return null;
  }
}

export async function listOrgOverview(now: Date = new Date()): Promise<{ items: OrgOverview[]; truncated: boolean }> {
  const rows = await orgOverviewRows(pool(), now);
  const alerts = await openAlertsByOrg();
  const items = rows.slice(0, MAX_ORGS_LISTED).map((r) => ({
    orgId: r.orgId,
    slug: r.slug,
    name: r.name,
    members: r.members,
    executions24h: r.executions,
    failureRate24h: r.finished > 0 ? r.failed / r.finished : null,
    stuckNow: r.stuck,
    openAlerts: alerts ? (alerts.get(r.orgId) ?? 0) : null,
  }));
  return { items, truncated: rows.length > MAX_ORGS_LISTED };
}
