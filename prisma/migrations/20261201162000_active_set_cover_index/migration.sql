-- Issue 15 items 1 and 2: counters and exact counts with a workflow or stuck filter read the
-- active set of one organization, never its history. executions_active_org_idx is org-leading
-- but holds neither the workflow nor what the stuck rule reads, so a workflow filter made the
-- planner walk (orgId, workflowId, createdAt) through every execution of the workflow, and each
-- active entry cost a heap visit. This one leads with (orgId, workflowId) and carries the stuck
-- rule's columns, so the active part of a count (server/aggregates/queries.ts) is an index-only
-- range over the active entries of the organization or of the named workflows.
-- Hand-written (Prisma cannot express a partial index with INCLUDE): see prisma/README.md.
CREATE INDEX "executions_active_cover_idx" ON "executions" ("orgId", "status", "workflowId", "createdAt")
  INCLUDE ("statusChangedAt", "startedAt", "lastHeartbeatAt", "lastEventAt")
  WHERE "status" IN ('PENDING', 'SCHEDULED', 'RUNNING', 'WAITING');
