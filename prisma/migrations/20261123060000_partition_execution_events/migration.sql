-- The execution timeline, partitioned by month of "receivedAt", so retention drops whole
-- partitions (runwatch retention --keep-days N) instead of deleting rows. A partitioned table
-- needs its partition key in its primary key. Event deduplication does not live here: it is
-- processed_events, keyed (orgId, eventId), which partitioning does not touch.
-- Hand-written: a future db:diff will offer to drop the partitions, keep them.
-- (No semicolons in comments: the schema engine splits scripts on them.)

ALTER TABLE "execution_events" RENAME TO "execution_events_unpartitioned";
ALTER TABLE "execution_events_unpartitioned" RENAME CONSTRAINT "execution_events_pkey" TO "execution_events_unpartitioned_pkey";
ALTER INDEX "execution_events_orgId_executionId_id_idx" RENAME TO "execution_events_unpartitioned_orgId_executionId_id_idx";

CREATE TABLE "execution_events" (
    "orgId" UUID NOT NULL,
    "id" BIGINT NOT NULL DEFAULT nextval('execution_events_id_seq'),
    "executionId" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "type" "EventType" NOT NULL,
    "status" "ExecutionStatus",
    "attempt" INTEGER NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "outcome" "EventOutcome" NOT NULL,
    "reason" TEXT,
    "statusBefore" "ExecutionStatus",
    "statusAfter" "ExecutionStatus",
    "payload" JSONB,

    CONSTRAINT "execution_events_pkey" PRIMARY KEY ("orgId","id","receivedAt")
) PARTITION BY RANGE ("receivedAt");

-- the id sequence moves to the new table (it would be dropped with the old one)
ALTER SEQUENCE "execution_events_id_seq" OWNED BY "execution_events"."id";

CREATE INDEX "execution_events_orgId_executionId_id_idx" ON "execution_events"("orgId", "executionId", "id");

-- Rows for a month without its partition land here rather than fail, normally empty.
CREATE TABLE "execution_events_default" PARTITION OF "execution_events" DEFAULT;

-- The monthly partitions (execution_events_YYYY_MM) are created after every migrate run by
-- ensureEventPartitions() in server/db/partitions.ts, which also moves rows out of the default
-- partition into their month (this copy lands there first). Not here: the schema engine splits
-- scripts on semicolons, so a PL/pgSQL body cannot be written in a migration.
INSERT INTO "execution_events" SELECT * FROM "execution_events_unpartitioned";
DROP TABLE "execution_events_unpartitioned";

-- Retention (runwatch retention --keep-days N) also forgets eventIds older than the window:
-- a very late duplicate is then judged by the lifecycle rules alone, which never let it change
-- a terminal status or move an execution backwards.
CREATE INDEX "processed_events_receivedAt_idx" ON "processed_events"("receivedAt");
