-- Issue 15 item 1: org_execution_totals counts every execution under its current status, the
-- active ones too (ingestion moves a row from the old status to the new one in the transaction
-- that writes the execution), so the counters header with no range reads at most statuses x 16
-- rows per organization, however large its active set. Only the stuck count still reads
-- executions: the recently alive ones, a range of the org-leading partial indexes.
-- Backfill the active statuses (the terminal rows are there already), as a recount.
INSERT INTO "org_execution_totals" ("orgId", "status", "shard", "count")
SELECT e."orgId", e.status, (e."workflowId" % 16)::smallint, count(*)
  FROM "executions" e
 WHERE e.status IN ('PENDING', 'SCHEDULED', 'RUNNING', 'WAITING')
 GROUP BY 1, 2, 3
ON CONFLICT ("orgId", "status", "shard") DO UPDATE SET "count" = EXCLUDED."count";
