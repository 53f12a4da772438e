// The platform admin's overview SQL: every organization's last 24 hours, what is stuck now,
// and the open alerts. Reads across tenants on purpose.
import { z } from "zod";
import { defineQuery, type Queryable } from "../db/sql";
import { STUCK_REASON_SQL } from "../executions/read";

/** An overview past this many organizations stops there and says so. */
export const MAX_ORGS_LISTED = 2000;

// per organization: the last 24 h from the (orgId, createdAt) index, stuck from the partial
// index of active executions, each as a LATERAL so one busy organization does not slow the join
const OVERVIEW = defineQuery(
  "admin.org_overview",
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
  z.object({
    orgId: z.string(),
    slug: z.string(),
    name: z.string(),
    members: z.number(),
    executions: z.number(),
    finished: z.number(),
    failed: z.number(),
    stuck: z.number(),
  }),
);

/** Up to MAX_ORGS_LISTED + 1 organizations by slug, with their figures as of now. */
export const orgOverviewRows = (db: Queryable, now: Date) => OVERVIEW.all(db, [now]);

const ALERTS_TABLE = defineQuery("admin.alerts_table", `SELECT to_regclass('alerts')::text AS t`, z.object({ t: z.string().nullable() }));

/** Whether this database has the alerts table (alerting arrived in a migration of its own). */
export const hasAlertsTable = async (db: Queryable) => (await ALERTS_TABLE.one(db, [])).t !== null;

const OPEN_ALERTS = defineQuery(
  "admin.open_alerts_by_org",
  `SELECT "orgId", count(*)::int AS n FROM alerts WHERE state <> 'RESOLVED' GROUP BY "orgId"`,
  z.object({ orgId: z.string(), n: z.number() }),
);

export const openAlertsByOrg = (db: Queryable) => OPEN_ALERTS.all(db, []);
