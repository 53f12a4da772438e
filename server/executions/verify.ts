// Recounts every workflow's counters from its executions (CONTRACT.md §1 rule 6) and names the
// workflows whose stored counters differ. One query, so the recount and the stored counters are
// read from the same snapshot even while events keep arriving. verifyAll also checks the hourly
// aggregate against a recount and each execution's stage times against its timeline (rule 5).
import { pool } from "../db/client";
import {
  executionCountOf,
  hourlyDifferences,
  recountHourly,
  stageTimeRows,
  stageDifferences,
  storedHourly,
  type HourlyDifference,
  type StageDifference,
} from "./recompute";

export const COUNTERS = ["executionCount", "successCount", "failureCount", "cancelledCount"] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counts = Record<Counter, number>;

export type CounterDifference = {
  orgSlug: string;
  workflow: string;
  counter: Counter;
  stored: number;
  actual: number;
};

export type VerifyReport = { ok: boolean; workflows: number; differences: CounterDifference[] };

type Row = { orgSlug: string; workflow: string; stored: Counts; actual: Counts };

const RECOUNT_SQL = `
  SELECT o.slug AS "orgSlug", w.key AS workflow,
         json_build_object('executionCount', w."executionCount", 'successCount', w."successCount",
                           'failureCount', w."failureCount", 'cancelledCount', w."cancelledCount") AS stored,
         json_build_object('executionCount', coalesce(c.total, 0), 'successCount', coalesce(c.success, 0),
                           'failureCount', coalesce(c.failure, 0), 'cancelledCount', coalesce(c.cancelled, 0)) AS actual
  FROM workflows w
  JOIN organizations o ON o.id = w."orgId"
  LEFT JOIN (
    SELECT e."orgId", e."workflowId",
           count(*)::int AS total,
           count(*) FILTER (WHERE e.status = 'COMPLETED')::int AS success,
           count(*) FILTER (WHERE e.status IN ('FAILED', 'TIMED_OUT'))::int AS failure,
           count(*) FILTER (WHERE e.status = 'CANCELLED')::int AS cancelled
    FROM executions e
    WHERE $1::uuid IS NULL OR e."orgId" = $1::uuid
    GROUP BY e."orgId", e."workflowId"
  ) c ON c."orgId" = w."orgId" AND c."workflowId" = w.id
  WHERE $1::uuid IS NULL OR w."orgId" = $1::uuid
  ORDER BY o.slug, w.key`;

/** The differences between stored and recounted counters; pure, so it is tested without a database. */
export function compareCounters(rows: Row[]): CounterDifference[] {
  return rows.flatMap((row) =>
    COUNTERS.filter((counter) => row.stored[counter] !== row.actual[counter]).map((counter) => ({
      orgSlug: row.orgSlug,
      workflow: row.workflow,
      counter,
      stored: row.stored[counter],
      actual: row.actual[counter],
    })),
  );
}

/** Verifies one organization's workflows, or every organization's when orgId is null. */
export async function verifyWorkflowCounters(orgId: string | null = null): Promise<VerifyReport> {
  const { rows } = await pool().query<Row>(RECOUNT_SQL, [orgId]);
  const differences = compareCounters(rows);
  return { ok: differences.length === 0, workflows: rows.length, differences };
}

export function describeDifference(d: CounterDifference): string {
  return `${d.orgSlug}/${d.workflow}: ${d.counter} is ${d.stored}, recount gives ${d.actual}`;
}

export type FullVerifyReport = VerifyReport & {
  executions: number;
  stageTimeDifferences: StageDifference[];
  hourlyDifferences: HourlyDifference[];
};

/** Counters, the hourly aggregate and the stage times, read in one REPEATABLE READ snapshot. */
export async function verifyAll(orgId: string | null = null): Promise<FullVerifyReport> {
  const client = await pool().connect();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const { rows } = await client.query<Row>(RECOUNT_SQL, [orgId]);
    const differences = compareCounters(rows);
    const stages = await stageTimeRows(client, orgId);
    const stageTimeDifferences = stages.flatMap(stageDifferences);
    const executions = await executionCountOf(client, orgId);
    const hourly = hourlyDifferences(await storedHourly(client, orgId), await recountHourly(client, orgId));
    await client.query("COMMIT");
    const ok = differences.length === 0 && stageTimeDifferences.length === 0 && hourly.length === 0;
    return { ok, workflows: rows.length, differences, executions, stageTimeDifferences, hourlyDifferences: hourly };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export function describeStageDifference(d: StageDifference): string {
  return `execution ${d.executionId}: ${d.field} is ${d.stored ?? "null"}, its timeline gives ${d.actual ?? "null"}`;
}

export function describeHourlyDifference(d: HourlyDifference): string {
  const what = (x: HourlyDifference["stored"]) => (x ? `${x.count} (sum ${x.durationSumMs} ms, histogram ${x.histogram.join(",")})` : "no row");
  return `hourly ${d.status} of workflow ${d.workflowId} at ${d.hour}: ${what(d.stored)}, recount gives ${what(d.actual)}`;
}
