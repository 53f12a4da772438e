-- Issue 15 items 2 and 3: exact counts and charts over long ranges sum the created-at rollup's
-- daily rows, one per workflow, status and day. Found through the primary key, each row was
-- then fetched from the heap for its count, and the rows of one organization's month lie on
-- thousands of different pages (4,574 rows on 2,805 pages at 10M executions: 7 of a 30-day
-- count's 9 ms). These indexes carry the status and the count, so the readers never visit the
-- heap: the range's rows without a workflow filter, and a workflow's rows with one.
-- The price is that an update of a count is no longer HOT (99.5% were): it adds an entry to each
-- index. docs/ingestion-performance.md has the ingestion figures before and after.
-- Hand-written (Prisma cannot express INCLUDE): see prisma/README.md.
CREATE INDEX "execution_created_rollup_cover_idx" ON "execution_created_rollup" ("orgId", "grainHours", "bucket") INCLUDE ("status", "workflowId", "count");
DROP INDEX "execution_created_rollup_workflow_idx";
CREATE INDEX "execution_created_rollup_workflow_idx" ON "execution_created_rollup" ("orgId", "workflowId", "grainHours", "bucket") INCLUDE ("status", "count");
