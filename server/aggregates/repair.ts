// runwatch repair: rewrites stage times, durations and the hourly aggregate from the stored
// timeline (server/executions/recompute.ts), for executions written before the merge of facts
// (issue 9) by the first-received rule, and rebuilds the rollups (running totals, daily,
// created-at) and the workflow counters from the executions, so whatever `runwatch verify` names
// is fixed. Idempotent; a
// second run changes nothing.
import { withTransaction } from "../db/transaction";
import { recountHourly } from "../executions/recompute";
import { executionCount, lockHourly, recountWorkflowCounters, replaceHourly, rewriteStageTimes, stageTimeRows } from "./queries";
import { rebuildRollups } from "./rollups";

export type RepairReport = { executions: number; executionsRepaired: number; hourlyRows: number; workflowsRepaired: number };

/** Repairs one organization, or every one when orgId is null, in one transaction. */
export async function repairExecutions(orgId: string | null = null): Promise<RepairReport> {
  return withTransaction(async (client) => {
    const executions = await executionCount(client, orgId);
    const wrong = await stageTimeRows(client, orgId);
    // written only where they still differ, so a racing event that already fixed one is not undone
    if (wrong.length) {
      await rewriteStageTimes(
        client,
        wrong.map((r) => ({ orgId: r.orgId, id: r.id, createdAt: r.wantCreatedAt, scheduledAt: r.wantScheduledAt, startedAt: r.wantStartedAt, completedAt: r.wantCompletedAt })),
      );
    }
    // The aggregate, rebuilt from the repaired executions. Ingestion writes it after locking its
    // executions, as this does, so the table lock cannot stall it in a cycle.
    await lockHourly(client);
    const hourly = await recountHourly(client, orgId);
    await replaceHourly(client, orgId, hourly);
    await rebuildRollups(client, orgId);
    // the counters last, as ingestion moves them last: the most contended rows, held the least
    const workflowsRepaired = await recountWorkflowCounters(client, orgId);
    return { executions, executionsRepaired: wrong.length, hourlyRows: hourly.length, workflowsRepaired };
  });
}
