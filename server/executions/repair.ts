// runwatch repair: rewrites stage times, durations and the hourly aggregate from the stored
// timeline (server/executions/recompute.ts), for executions written before the merge of facts
// (issue 9) by the first-received rule. Idempotent; a second run changes nothing.
import { rebuildRollups } from "./rollups";
import { withTransaction } from "../db/transaction";
import { executionCountOf, recountHourly, stageTimeRows, type StageTimesRow } from "./recompute";

export type RepairReport = { executions: number; executionsRepaired: number; hourlyRows: number };

/** Repairs one organization, or every one when orgId is null, in one transaction. */
export async function repairExecutions(orgId: string | null = null): Promise<RepairReport> {
  return withTransaction(async (client) => {
    const executions = await executionCountOf(client, orgId);
    const wrong: StageTimesRow[] = await stageTimeRows(client, orgId);
    // Rows are locked as ingestion locks them (by executionId), then written only where they
    // still differ, so a racing event that already fixed one is not undone.
    if (wrong.length) {
      // Every stage time is a minimum, so LEAST with the row as it is now keeps whatever a racing
      // event set meanwhile; the duration follows the written times.
      await client.query(
        `WITH x AS (
           SELECT * FROM json_to_recordset($1::json) AS x("orgId" uuid, id bigint, "createdAt" timestamptz, "scheduledAt" timestamptz,
             "startedAt" timestamptz, "completedAt" timestamptz)
         ), locked AS (
           SELECT e."orgId", e.id, LEAST(e."createdAt", x."createdAt") AS "createdAt", LEAST(e."scheduledAt", x."scheduledAt") AS "scheduledAt",
                  LEAST(e."startedAt", x."startedAt") AS "startedAt", LEAST(e."completedAt", x."completedAt") AS "completedAt"
             FROM executions e JOIN x ON e."orgId" = x."orgId" AND e.id = x.id
            ORDER BY e."orgId", e."executionId" FOR UPDATE OF e
         )
         UPDATE executions e SET "createdAt" = l."createdAt", "scheduledAt" = l."scheduledAt", "startedAt" = l."startedAt",
           "completedAt" = l."completedAt",
           "durationMs" = CASE WHEN l."completedAt" IS NULL THEN e."durationMs" ELSE
             GREATEST(0, round(extract(epoch FROM l."completedAt" - COALESCE(l."startedAt", l."createdAt")) * 1000))::bigint END,
           "statusChangedAt" = COALESCE(l."completedAt", e."statusChangedAt"),
           "lastEventAt" = COALESCE(l."completedAt", e."lastEventAt"), "updatedAt" = now()
         FROM locked l WHERE e."orgId" = l."orgId" AND e.id = l.id`,
        [
          JSON.stringify(
            wrong.map((r) => ({
              orgId: r.orgId,
              id: r.id,
              createdAt: r.wantCreatedAt,
              scheduledAt: r.wantScheduledAt,
              startedAt: r.wantStartedAt,
              completedAt: r.wantCompletedAt,
            })),
          ),
        ],
      );
    }
    // The aggregate, rebuilt from the repaired executions. Ingestion writes it after locking its
    // executions, as this does, so the table lock cannot stall it in a cycle.
    await client.query(`LOCK TABLE execution_hourly IN SHARE ROW EXCLUSIVE MODE`);
    const hourly = await recountHourly(client, orgId);
    await client.query(`DELETE FROM execution_hourly WHERE $1::uuid IS NULL OR "orgId" = $1::uuid`, [orgId]);
    if (hourly.length) {
      await client.query(
        `INSERT INTO execution_hourly ("orgId", "workflowId", hour, status, count, "durationSumMs", histogram)
         SELECT x."orgId", x."workflowId", x.hour, x.status, x.count, x."durationSumMs", x.histogram
         FROM json_to_recordset($1::json) AS x("orgId" uuid, "workflowId" bigint, hour timestamptz, status "ExecutionStatus", count int,
           "durationSumMs" bigint, histogram int[])`,
        [JSON.stringify(hourly)],
      );
    }
    await rebuildRollups(client, orgId);
    return { executions, executionsRepaired: wrong.length, hourlyRows: hourly.length };
  });
}
