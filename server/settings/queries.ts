// The organization row's SQL as the settings screens change it, always inside audited()'s
// transaction: the lock that serializes settings and membership changes, the threshold and name
// updates, and the deletion with its activity count.
import { z } from "zod";
import { defineCommand, defineQuery, type Queryable } from "../db/sql";
import { ORG_COLUMNS, orgRow } from "../orgs/queries";

/*
 * NO KEY UPDATE does not conflict with the KEY SHARE locks that inserts referencing the
 * organization take, so ingestion never waits on it.
 */
const LOCK_ORG = defineQuery("settings.lock_org", `SELECT ${ORG_COLUMNS} FROM organizations WHERE id = $1 FOR NO KEY UPDATE`, orgRow);

/** The organization's row, locked for a settings or membership change; null when it is gone. */
export const lockOrgRow = (db: Queryable, orgId: string) => LOCK_ORG.first(db, [orgId]);

const UPDATE_THRESHOLDS = defineQuery(
  "settings.update_thresholds",
  `UPDATE organizations SET "stuckScheduledAfterSeconds" = COALESCE($2, "stuckScheduledAfterSeconds"),
          "stuckRunningAfterSeconds" = COALESCE($3, "stuckRunningAfterSeconds"), "updatedAt" = now()
    WHERE id = $1
    RETURNING ${ORG_COLUMNS}`,
  orgRow,
);

/** Sets the thresholds given (null: leave as is) of an organization the caller has locked. */
export const updateThresholds = (db: Queryable, orgId: string, t: { stuckScheduledAfterSeconds: number | null; stuckRunningAfterSeconds: number | null }) =>
  UPDATE_THRESHOLDS.one(db, [orgId, t.stuckScheduledAfterSeconds, t.stuckRunningAfterSeconds]);

const RENAME = defineQuery("settings.rename_org", `UPDATE organizations SET name = $2, "updatedAt" = now() WHERE id = $1 RETURNING ${ORG_COLUMNS}`, orgRow);

export const renameOrgRow = (db: Queryable, orgId: string, name: string) => RENAME.one(db, [orgId, name]);

// FOR UPDATE (not just NO KEY UPDATE): ingestion and the monitor wait, then find it gone
const LOCK_FOR_DELETE = defineCommand("settings.lock_org_for_delete", `SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE`);

export const lockOrgForDelete = (db: Queryable, orgId: string) => LOCK_FOR_DELETE.run(db, [orgId]);

/**
 * The organization's activity, counted for the deletion's report and audit entry. The rows go
 * by the foreign keys' ON DELETE CASCADE (migration 20261201134000), not by this list: a table
 * left out of it is still emptied, only not counted. audit_logs has no key and stays.
 */
export const ORG_ACTIVITY_TABLES = [
  "execution_events", "execution_heartbeats", "deferred_events", "processed_events", "execution_hourly",
  "alerts", "alert_events", "alert_storms", "notifications", "delivery_attempts", "workflow_alert_settings",
] as const;

const COUNT_ACTIVITY = defineQuery(
  "settings.count_activity",
  `SELECT ${ORG_ACTIVITY_TABLES.map((t) => `(SELECT count(*)::int FROM "${t}" WHERE "orgId" = $1) AS "${t}"`).join(", ")}`,
  z.record(z.enum(ORG_ACTIVITY_TABLES), z.number().int()),
);

export const countActivity = (db: Queryable, orgId: string): Promise<Record<string, number>> => COUNT_ACTIVITY.one(db, [orgId]);

// every tenant table but audit_logs cascades from organizations
const DELETE_ORG = defineCommand("settings.delete_org", `DELETE FROM organizations WHERE id = $1`);

export const deleteOrgRow = (db: Queryable, orgId: string) => DELETE_ORG.run(db, [orgId]);
