-- The executions list's layout (columns, density, charts open / beside / below, scale),
-- remembered per user on the server, so it follows the user to another browser (localStorage only
-- paints the first frame). One row per user and preference key, deleted with the user.
CREATE TABLE "user_preferences" (
    "userId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_preferences_pkey" PRIMARY KEY ("userId","key")
);

ALTER TABLE "user_preferences" ADD CONSTRAINT "user_preferences_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A bulk job survives its process: where its keyset walk stands ("resume": cursor, snapshot,
-- chunk size), the chunk being applied ("pending", replayed with the same event ids after a
-- crash, so nothing is applied twice), and a lease, so one process at a time runs it.
ALTER TABLE "bulk_jobs" ADD COLUMN "resume" JSONB,
ADD COLUMN "pending" JSONB,
ADD COLUMN "leaseUntil" TIMESTAMPTZ(3);
