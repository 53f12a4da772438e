// The platform admin's overview: every organization with its last 24 hours, what is stuck now and
// its open alerts. Reads across tenants on purpose, so only the platform-admin procedure calls it.
import { z } from "zod";
import { pool } from "../db/client";
import { STUCK_REASON_SQL } from "../executions/read";

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

export const MAX_ORGS_LISTED = 2000;

type Row = { orgId: string; slug: string; name: string; members: number; executions: number; finished: number; failed: number; stuck: number };

async function openAlertsByOrg(): Promise<Map<string, number> | null> {
  try {
    // alerting arrived in its own migration; a database without it shows "—" rather than failing the page
    const { rows: exists } = await pool().query<{ t: string | null }>(`SELECT to_regclass('alerts')::text AS t`);
    if (!exists[0]?.t) return null;
    const { rows } = await pool().query<{ orgId: string; n: number }>(
      `SELECT "orgId", count(*)::int AS n FROM alerts WHERE state <> 'RESOLVED' GROUP BY "orgId"`,
    );
    return new Map(rows.map((r) => [r.orgId, r.n]));
  } catch {
    return null;
  }
}

export async function listOrgOverview(now: Date = new Date()): Promise<{ items: OrgOverview[]; truncated: boolean }> {
  // per organization: the last 24 h from the (orgId, createdAt) index, stuck from the partial
  // index of active executions, each as a LATERAL so one busy organization does not slow the join
  const { rows } = await pool().query<Row>(
    `SELECT o.id AS "orgId", o.slug, o.name,
            (SELECT count(*)::int FROM memberships m WHERE m."orgId" = o.id) AS members,
            d.executions, d.finished, d.failed, s.stuck
       FROM organizations o
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS executions,
                count(*) FILTER (WHERE e.status IN ('COMPLETED', 'FAILED', 'TIMED_OUT'))::int AS finished,
                count(*) FILTER (WHERE e.status IN ('FAILED', 'TIMED_OUT'))::int AS failed
           FROM executions e WHERE e."orgId" = o.id AND e."createdAt" >= $1::timestamptz - interval '24 hours'
       ) d
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS stuck
           FROM executions e JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
          WHERE e."orgId" = o.id AND e.status IN ('PENDING', 'SCHEDULED', 'RUNNING', 'WAITING') AND (${STUCK_REASON_SQL}) IS NOT NULL
       ) s
      ORDER BY o.slug
      LIMIT ${MAX_ORGS_LISTED + 1}`,
    [now],
  );
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

export async function isPlatformAdmin(userId: string): Promise<boolean> {
  const { rows } = await pool().query<{ isPlatformAdmin: boolean }>(`SELECT "isPlatformAdmin" FROM users WHERE id = $1`, [userId]);
  return rows[0]?.isPlatformAdmin === true;
}
