// The access ladder's SQL: who may see an organization with which role, the user's
// memberships, and the once-a-day record of a platform admin's visit.
import { z } from "zod";
import { defineCommand, defineQuery, type Queryable } from "../db/sql";
import { ROLES } from "./permissions";

const ORG_WITH_ROLE = defineQuery(
  "rbac.org_with_role",
  `SELECT o.id, o.slug, o.name, m.role::text AS role
     FROM organizations o
     LEFT JOIN memberships m ON m."orgId" = o.id AND m."userId" = $2
    WHERE o.slug = $1`,
  z.object({ id: z.string(), slug: z.string(), name: z.string(), role: z.enum(ROLES).nullable() }),
);

/** The organization with this slug and the user's role in it (null: not a member), or null. */
export const orgWithRole = (db: Queryable, slug: string, userId: string) => ORG_WITH_ROLE.first(db, [slug, userId]);

const MEMBERSHIPS = defineQuery(
  "rbac.memberships",
  `SELECT o.id AS "orgId", o.slug, o.name, m.role::text AS role
     FROM memberships m JOIN organizations o ON o.id = m."orgId"
    WHERE m."userId" = $1
    ORDER BY o.name, o.slug`,
  z.object({ orgId: z.string(), slug: z.string(), name: z.string(), role: z.enum(ROLES) }),
);

export const membershipsOfUser = (db: Queryable, userId: string) => MEMBERSHIPS.all(db, [userId]);

// its one row (void) is of no interest: a command
const LOCK_KEY = defineCommand("rbac.lock_key", `SELECT pg_advisory_xact_lock(hashtext($1))`);

/** A transaction-scoped advisory lock on a text key: held until the caller's transaction ends. */
export const lockKey = async (db: Queryable, key: string): Promise<void> => {
  await LOCK_KEY.run(db, [key]);
};

const VISIT_RECORDED = defineQuery(
  "rbac.platform_admin_visit_recorded",
  `SELECT 1 AS found FROM audit_logs
    WHERE "orgId" = $1 AND "actorUserId" = $2 AND action = $3
      AND at >= $4::date AND details->>'sessionId' = $5
    LIMIT 1`,
  z.object({ found: z.number() }),
);

/** Whether this session's visit of the organization has an audit entry since the start of day (UTC, yyyy-mm-dd). */
export const visitRecorded = async (db: Queryable, v: { orgId: string; userId: string; action: string; day: string; sessionId: string }) =>
  (await VISIT_RECORDED.first(db, [v.orgId, v.userId, v.action, v.day, v.sessionId])) !== null;

const REMEMBER_LAST_ORG = defineCommand(
  "rbac.remember_last_org",
  `UPDATE users SET "lastOrgSlug" = $2, "updatedAt" = now() WHERE id = $1 AND "lastOrgSlug" IS DISTINCT FROM $2`,
);

export const rememberLastOrgSlug = (db: Queryable, userId: string, slug: string) => REMEMBER_LAST_ORG.run(db, [userId, slug]);
