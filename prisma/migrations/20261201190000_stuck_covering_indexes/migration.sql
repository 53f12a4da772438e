-- Issue 15 item 4: the org-leading partial indexes of the stuck rule carry what their readers
-- need, so that they read them index-only instead of visiting one heap page per stuck execution
-- (the stuck executions of an organization are old, scattered over the whole table).
-- - The list's capped count of stuck=true (server/executions/list-sql.ts, stuckOnlySql) needs
--   the workflow (its threshold, between the organization's smallest and largest) and, for
--   RUNNING, the sign-of-life columns themselves: an index-only scan cannot use an expression
--   index for an expression over columns the index does not hold.
-- - The sweep's crossing (server/monitor/queries.ts) reads the columns of the verdict and the
--   alert: the execution id and attempt too.
-- They cost index size only: both hold active executions alone, and an update of an execution
-- was never HOT (it sets updatedAt and lastEventAt, both indexed). The added columns are ids that
-- never change, the attempt, and timestamps that executions_active_cover_idx holds already.
-- The names stay: the readers and the plan tests name them.
-- Hand-written (Prisma cannot express a partial index with INCLUDE): see prisma/README.md.
DROP INDEX "executions_scheduled_org_since_idx";
CREATE INDEX "executions_scheduled_org_since_idx" ON "executions" ("orgId", "statusChangedAt")
  INCLUDE ("workflowId", "executionId", "attempt", "startedAt", "lastHeartbeatAt", "lastEventAt")
  WHERE "status" = 'SCHEDULED';
DROP INDEX "executions_running_org_alive_idx";
CREATE INDEX "executions_running_org_alive_idx" ON "executions" ("orgId", (GREATEST("startedAt", "lastHeartbeatAt", "lastEventAt")))
  INCLUDE ("workflowId", "executionId", "attempt", "statusChangedAt", "startedAt", "lastHeartbeatAt", "lastEventAt")
  WHERE "status" = 'RUNNING';
