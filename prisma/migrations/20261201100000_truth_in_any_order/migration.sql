-- Issue 9, truth in any order: the merge's tie-break columns, repeats and deferral on the
-- timeline, compacted heartbeats and the deferred events table.
-- Stage times, durations and hourly rows of executions written by the old first-received rule
-- are recomputed from the timeline by "runwatch repair", not here (it reads every timeline).
-- (No semicolons in comments: the schema engine splits scripts on them.)

-- AlterTable
ALTER TABLE "execution_events" ADD COLUMN     "repeats" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "waitedMs" INTEGER;

-- AlterTable
ALTER TABLE "executions" ADD COLUMN     "errorAt" TIMESTAMPTZ(3),
ADD COLUMN     "errorEventId" TEXT,
ADD COLUMN     "statusAttempt" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "statusEventId" TEXT;

-- the deciding status was of the execution's attempt under the old rules
UPDATE "executions" SET "statusAttempt" = "attempt" WHERE "attempt" <> 1;

-- CreateTable
CREATE TABLE "execution_heartbeats" (
    "orgId" UUID NOT NULL,
    "executionId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "count" INTEGER NOT NULL,
    "firstOccurredAt" TIMESTAMPTZ(3) NOT NULL,
    "lastOccurredAt" TIMESTAMPTZ(3) NOT NULL,
    "waitedMs" INTEGER,

    CONSTRAINT "execution_heartbeats_pkey" PRIMARY KEY ("orgId","executionId","attempt")
);

-- CreateTable
CREATE TABLE "deferred_events" (
    "orgId" UUID NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "executionId" TEXT NOT NULL,
    "eventId" TEXT,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL,
    "event" JSONB NOT NULL,
    "repeats" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "deferred_events_pkey" PRIMARY KEY ("orgId","id")
);

-- CreateIndex
CREATE INDEX "deferred_events_orgId_executionId_idx" ON "deferred_events"("orgId", "executionId");

-- CreateIndex
CREATE INDEX "deferred_events_receivedAt_idx" ON "deferred_events"("receivedAt");

-- Heartbeat rows of the old timeline become one compacted row per execution and attempt.
INSERT INTO "execution_heartbeats" ("orgId", "executionId", "attempt", "count", "firstOccurredAt", "lastOccurredAt")
SELECT "orgId", "executionId", "attempt", count(*)::int, min("occurredAt"), max("occurredAt")
FROM "execution_events" WHERE "type" = 'HEARTBEAT' AND "outcome" <> 'DUPLICATE'
GROUP BY "orgId", "executionId", "attempt";
DELETE FROM "execution_events" WHERE "type" = 'HEARTBEAT';

-- Repeated eventIds become a count on their first entry, not rows of their own.
UPDATE "execution_events" f SET "repeats" = d.n
FROM (
  SELECT "orgId", "executionId", "eventId", count(*) FILTER (WHERE "outcome" = 'DUPLICATE')::int AS n,
         min("id") FILTER (WHERE "outcome" <> 'DUPLICATE') AS first
  FROM "execution_events" GROUP BY "orgId", "executionId", "eventId"
) d
WHERE f."orgId" = d."orgId" AND f."executionId" = d."executionId" AND f."id" = d.first AND d.n > 0;
DELETE FROM "execution_events" WHERE "outcome" = 'DUPLICATE';
