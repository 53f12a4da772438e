-- The running totals and rollups (20261201131000) landed beside the tenant keys (20261201134000)
-- and had none: they cascade the same way, so deleting an organization (or a workflow) leaves no
-- aggregate behind. Rows without their parent are unreadable by any tenant, so they go first.
DELETE FROM "execution_daily" x WHERE NOT EXISTS (SELECT 1 FROM "workflows" w WHERE w."orgId" = x."orgId" AND w."id" = x."workflowId");
DELETE FROM "execution_created_rollup" x WHERE NOT EXISTS (SELECT 1 FROM "workflows" w WHERE w."orgId" = x."orgId" AND w."id" = x."workflowId");
DELETE FROM "org_execution_totals" x WHERE NOT EXISTS (SELECT 1 FROM "organizations" o WHERE o."id" = x."orgId");

ALTER TABLE "execution_daily" ADD CONSTRAINT "execution_daily_orgId_workflowId_fkey" FOREIGN KEY ("orgId", "workflowId") REFERENCES "workflows"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "execution_created_rollup" ADD CONSTRAINT "execution_created_rollup_orgId_workflowId_fkey" FOREIGN KEY ("orgId", "workflowId") REFERENCES "workflows"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
-- sharded by workflowId % 16, so only the organization is a parent
ALTER TABLE "org_execution_totals" ADD CONSTRAINT "org_execution_totals_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
