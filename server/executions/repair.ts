// runwatch repair: rewrites stage times, durations and the hourly aggregate from the stored
// timeline (server/executions/recompute.ts), for executions written before the merge of facts
// (issue 9) by the first-received rule. Idempotent; a second run changes nothing.
import { withTransaction } from "../db/transaction";
import { recountHourly, STAGE_TIMES_SQL, stageDifferences, type StageTimesRow } from "./recompute";

export type RepairReport = { executions: number; executionsRepaired: number; hourlyRows: number };

/** Repairs one organization, or every one when orgId is null, in one transaction. */
export async function repairExecutions(orgId: string | null = null): Promise<RepairReport> {
  return withTransaction(async (client) => {
    // rows are locked as ingestion locks them, so a racing event sees the repaired row
    const { rows } = await client.query<StageTimesRow>(`${STAGE_TIMES_SQL} FOR UPDATE OF e`, [orgId]);
    const wrong = rows.filter((r) => stageDifferences(r).length > 0);
    if (wrong.length) {
      await client.query(
        `UPDATE executions e SET "createdAt" = x."createdAt", "scheduledAt" = x."scheduledAt", "startedAt" = x."startedAt",
           "completedAt" = x."completedAt", "durationMs" = x."durationMs",
           "statusChangedAt" = COALESCE(x."completedAt", e."statusChangedAt"),
           "lastEventAt" = COALESCE(x."completedAt", e."lastEventAt"), "updatedAt" = now()
         FROM json_to_recordset($1::json) AS x("orgId" uuid, id bigint, "createdAt" timestamptz, "scheduledAt" timestamptz,
           "startedAt" timestamptz, "completedAt" timestamptz, "durationMs" bigint)
         WHERE e."orgId" = x."orgId" AND e.id = x.id`,
        [
          JSON.stringify(
            wrong.map((r) => ({
              orgId: r.orgId,
              id: r.id,
              createdAt: r.wantCreatedAt,
              scheduledAt: r.wantScheduledAt,
              startedAt: r.wantStartedAt,
              completedAt: r.wantCompletedAt,
              durationMs: r.wantDurationMs,
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
    return { executions: rows.length, executionsRepaired: wrong.length, hourlyRows: hourly.length };
  });
}
