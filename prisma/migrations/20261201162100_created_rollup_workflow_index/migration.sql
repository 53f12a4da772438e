-- Issue 15 item 2: an exact count with a workflow filter reads the created-at rollup of those
-- workflows. Its primary key leads with (orgId, grainHours, bucket), so the rows of one workflow
-- were found among every workflow's rows of the range (all of history without a range). This
-- index finds them directly. count is not in it, so the rollup's updates stay HOT.
-- Hand-written for the same reason as the others: see prisma/README.md.
CREATE INDEX "execution_created_rollup_workflow_idx" ON "execution_created_rollup" ("orgId", "workflowId", "grainHours", "bucket");
