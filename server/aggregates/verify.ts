// Recounts every workflow's counters from its executions (CONTRACT.md §1 rule 6) and names the
// workflows whose stored counters differ. One query, so the recount and the stored counters are
// read from the same snapshot even while events keep arriving. verifyAll also checks the hourly
// aggregate and the rollups (running totals, daily, created-at) against a recount, and each
// execution's stage times against its timeline (rule 5).
import { pool } from "../db/client";
import type { Queryable } from "../db/sql";
import { hourlyDifferences, recountHourly, stageDifferences, storedHourly, type HourlyDifference, type StageDifference } from "../executions/recompute";
import { executionCount, rollupDifferenceRows, ROLLUP_TABLES, stageTimeRows, workflowCounterRows, type RollupTable } from "./queries";

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
  const rows = await workflowCounterRows(pool(), orgId);
  const differences = compareCounters(rows);
  return { ok: differences.length === 0, workflows: rows.length, differences };
}

export function describeDifference(d: CounterDifference): string {
  return `${d.orgSlug}/${d.workflow}: ${d.counter} is ${d.stored}, recount gives ${d.actual}`;
}

/** A row of a rollup (running totals, daily, created-at) that differs from a recount; null: no row on that side. */
export type RollupDifference = { table: RollupTable; orgSlug: string; key: string; stored: string | null; actual: string | null };

export type FullVerifyReport = VerifyReport & {
  executions: number;
  stageTimeDifferences: StageDifference[];
  hourlyDifferences: HourlyDifference[];
  rollupDifferences: RollupDifference[];
};

/** The rollups' rows that differ from a recount of the executions, table by table. */
export async function rollupDifferences(db: Queryable, orgId: string | null): Promise<RollupDifference[]> {
  const out: RollupDifference[] = [];
  for (const table of ROLLUP_TABLES) for (const r of await rollupDifferenceRows(db, table, orgId)) out.push({ table, ...r });
  return out;
}

/** Counters, the hourly aggregate, the rollups and the stage times, read in one REPEATABLE READ snapshot. */
export async function verifyAll(orgId: string | null = null): Promise<FullVerifyReport> {
  const client = await pool().connect();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const rows = await workflowCounterRows(client, orgId);
    const differences = compareCounters(rows);
    const stageTimeDifferences = (await stageTimeRows(client, orgId)).flatMap(stageDifferences);
    const executions = await executionCount(client, orgId);
    const hourly = hourlyDifferences(await storedHourly(client, orgId), await recountHourly(client, orgId));
    const rollups = await rollupDifferences(client, orgId);
    await client.query("COMMIT");
    const ok = differences.length === 0 && stageTimeDifferences.length === 0 && hourly.length === 0 && rollups.length === 0;
    return { ok, workflows: rows.length, differences, executions, stageTimeDifferences, hourlyDifferences: hourly, rollupDifferences: rollups };
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

export function describeRollupDifference(d: RollupDifference): string {
  return `${d.table} of ${d.orgSlug} at ${d.key}: ${d.stored ?? "no row"}, recount gives ${d.actual ?? "no row"}`;
}
