-- Issue 15 item 4: the incremental sweep.

-- Where each organization's last sweep got to (its clock), and a fingerprint of the stuck
-- thresholds it judged by: a sweep only looks at executions that crossed their threshold since
-- then, and sweeps the organization in full again when the thresholds changed.
CREATE TABLE "stuck_sweep_checkpoints" (
    "orgId" UUID NOT NULL,
    "sweptUntil" TIMESTAMPTZ(3) NOT NULL,
    "fingerprint" TEXT NOT NULL,

    CONSTRAINT "stuck_sweep_checkpoints_pkey" PRIMARY KEY ("orgId")
);

-- Executions that ingestion moved while they were (or as they became) past their threshold:
-- the next sweep re-judges them, which is how their alerts resolve without a rescan.
CREATE TABLE "stuck_rechecks" (
    "orgId" UUID NOT NULL,
    "executionId" TEXT NOT NULL,

    CONSTRAINT "stuck_rechecks_pkey" PRIMARY KEY ("orgId", "executionId")
);

ALTER TABLE "stuck_sweep_checkpoints" ADD CONSTRAINT "stuck_sweep_checkpoints_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "stuck_rechecks" ADD CONSTRAINT "stuck_rechecks_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written partial indexes (a future db-diff will offer to drop them, delete those lines):
-- the active sets the stuck rule reads, led by orgId so that both the sweep (per organization,
-- a range of "since") and a list's stuck=true count of one organization read only that
-- organization's candidates. They replace the global ones of the init migration.
CREATE INDEX "executions_scheduled_org_since_idx" ON "executions" ("orgId", "statusChangedAt") WHERE "status" = 'SCHEDULED';
CREATE INDEX "executions_running_org_alive_idx" ON "executions" ("orgId", (GREATEST("startedAt", "lastHeartbeatAt", "lastEventAt"))) WHERE "status" = 'RUNNING';
DROP INDEX "executions_scheduled_since_idx";
DROP INDEX "executions_running_alive_idx";

-- A storm ends when none of its alerts is open: each sweep asks that of every open storm, which
-- without this index read all of the workflow's alerts per storm (300 ms at 100k open alerts).
CREATE INDEX "alerts_open_storm_idx" ON "alerts" ("orgId", "stormId") WHERE "state" <> 'RESOLVED' AND "stormId" IS NOT NULL;
