-- Hand-written (the Prisma schema language cannot express operator classes or extensions).
-- Substring search on the executions list ("parent-1" finds "ux-parent-1"): a trigram index
-- over (orgId, executionId), so LIKE '%abc%' within one organization is an index scan.
-- pg_trgm gives the trigram operator class, btree_gin lets the uuid orgId sit in the same GIN
-- index. Both ship with PostgreSQL's contrib and with embedded PGlite (server/db/embedded.ts
-- loads them).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX "executions_orgId_executionId_trgm_idx" ON "executions" USING gin ("orgId", "executionId" gin_trgm_ops);

-- Bulk actions on executions (mark cancelled / failed, acknowledge / resolve their alerts):
-- one row per job, its progress updated chunk by chunk, so the page can show it.
CREATE TABLE "bulk_jobs" (
    "orgId" UUID NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "action" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'running',
    "filterQuery" TEXT,
    "executionIds" JSONB,
    "reason" TEXT NOT NULL,
    "total" INTEGER NOT NULL,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "changed" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "bulk_jobs_pkey" PRIMARY KEY ("orgId","id")
);

ALTER TABLE "bulk_jobs" ADD CONSTRAINT "bulk_jobs_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
