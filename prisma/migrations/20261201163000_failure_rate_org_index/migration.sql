-- The failure-rate rule counts each organization's executions that finished within its window
-- (server/monitor/queries.ts, monitor.failureRate): an org-leading index, like every other read
-- of executions, so the count is a range per organization. It replaces the completedAt index,
-- which nothing else reads.
CREATE INDEX "executions_orgId_completedAt_idx" ON "executions"("orgId", "completedAt");

DROP INDEX "executions_completedAt_idx";
