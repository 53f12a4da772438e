-- Issue 15: counters in O(organizations), exact counts for status/workflow/stuck over any range,
-- and long-range charts. Three aggregates beside execution_hourly, all kept by ingestion in the
-- transaction that moves the workflow counters (server/dashboard/rollups.ts), and rebuilt here
-- from the rows already stored so an existing database starts out right.

-- Terminal executions per day they finished: execution_hourly at a coarser grain, for charts
-- over weeks and months.
CREATE TABLE "execution_daily" (
    "orgId" UUID NOT NULL,
    "workflowId" BIGINT NOT NULL,
    "day" TIMESTAMPTZ(3) NOT NULL,
    "status" "ExecutionStatus" NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "durationSumMs" BIGINT NOT NULL DEFAULT 0,
    "histogram" INTEGER[],

    CONSTRAINT "execution_daily_pkey" PRIMARY KEY ("orgId","workflowId","day","status")
);
CREATE INDEX "execution_daily_orgId_day_idx" ON "execution_daily"("orgId", "day");

-- Terminal executions per hour (grainHours 1) and per day (24) they were created: the list's
-- own time axis, so a count over aligned hours or days is a sum of a few rows.
CREATE TABLE "execution_created_rollup" (
    "orgId" UUID NOT NULL,
    "grainHours" SMALLINT NOT NULL,
    "bucket" TIMESTAMPTZ(3) NOT NULL,
    "workflowId" BIGINT NOT NULL,
    "status" "ExecutionStatus" NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "execution_created_rollup_pkey" PRIMARY KEY ("orgId","grainHours","bucket","workflowId","status")
);

-- Running totals of terminal executions per organization and status, split into shards by
-- workflow so that writers of different workflows rarely wait on one row.
CREATE TABLE "org_execution_totals" (
    "orgId" UUID NOT NULL,
    "status" "ExecutionStatus" NOT NULL,
    "shard" SMALLINT NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "org_execution_totals_pkey" PRIMARY KEY ("orgId","status","shard")
);

-- Backfill. The daily rows are sums of the hourly ones (a missing histogram counts as zeros).
INSERT INTO "execution_daily" ("orgId", "workflowId", "day", "status", "count", "durationSumMs", "histogram")
SELECT d."orgId", d."workflowId", d.day, d.status, d.count, d."durationSumMs", hg.histogram
  FROM (SELECT "orgId", "workflowId", date_trunc('day', "hour", 'UTC') AS day, status, sum("count")::int AS count,
               sum("durationSumMs")::bigint AS "durationSumMs"
          FROM "execution_hourly" GROUP BY 1, 2, 3, 4) d
  LEFT JOIN LATERAL (
    SELECT array_agg(v ORDER BY i) AS histogram
      FROM (SELECT u.i, sum(u.v)::int AS v
              FROM "execution_hourly" h, unnest(coalesce(h.histogram, array_fill(0, ARRAY[33]))) WITH ORDINALITY AS u(v, i)
             WHERE h."orgId" = d."orgId" AND h."workflowId" = d."workflowId" AND h.status = d.status
               AND h."hour" >= d.day AND h."hour" < d.day + interval '1 day'
             GROUP BY u.i) s
  ) hg ON true
 WHERE d.count <> 0;

INSERT INTO "execution_created_rollup" ("orgId", "grainHours", "bucket", "workflowId", "status", "count")
SELECT e."orgId", g.hours, date_trunc(CASE g.hours WHEN 1 THEN 'hour' ELSE 'day' END, e."createdAt", 'UTC'), e."workflowId", e.status, count(*)::int
  FROM "executions" e, (VALUES (1::smallint), (24::smallint)) AS g(hours)
 WHERE e.status IN ('COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'CONTINUED_AS_NEW')
 GROUP BY 1, 2, 3, 4, 5;

INSERT INTO "org_execution_totals" ("orgId", "status", "shard", "count")
SELECT e."orgId", e.status, (e."workflowId" % 16)::smallint, count(*)
  FROM "executions" e
 WHERE e.status IN ('COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'CONTINUED_AS_NEW')
 GROUP BY 1, 2, 3;
