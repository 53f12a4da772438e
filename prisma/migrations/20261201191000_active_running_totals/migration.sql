-- Issue 15 items 1 to 3: org_execution_totals counts every execution under its current status, the
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

-- The created-at rollup likewise counts every execution under its current status, so a count
-- over a range, or of a workflow, and the charts' active series read rollup rows and the ragged
-- edges, not the active set.
INSERT INTO "execution_created_rollup" ("orgId", "grainHours", "bucket", "workflowId", "status", "count")
SELECT e."orgId", g.hours, date_trunc(CASE g.hours WHEN 1 THEN 'hour' ELSE 'day' END, e."createdAt", 'UTC'), e."workflowId", e.status, count(*)::int
  FROM "executions" e, (VALUES (1::smallint), (24::smallint)) AS g(hours)
 WHERE e.status IN ('PENDING', 'SCHEDULED', 'RUNNING', 'WAITING')
 GROUP BY 1, 2, 3, 4, 5
ON CONFLICT ("orgId", "grainHours", "bucket", "workflowId", "status") DO UPDATE SET "count" = EXCLUDED."count";
