// The aggregates behind exact counters and long-range charts, beside execution_hourly:
// - execution_daily: terminal executions by the day they finished (charts over weeks),
// - execution_created_rollup: executions by the hour and the day they were created and their
//   current status, active ones too (exact counts on the list's own time axis, the charts'
//   active series),
// - org_execution_totals: executions per organization and current status, active ones too (the
//   header with no range: O(organizations), whatever the size of the active set).
// Ingestion moves them by the difference between an execution as locked and as written, in the
// transaction that moves the workflow counters, so each execution counts once wherever its
// events' merge puts it: a late event that moves createdAt, completedAt or the duration takes it
// out of its old rows and into the new ones.
import type { Queryable } from "../db/sql";
import type { ExecutionState } from "../executions/lifecycle";
import { isTerminal, type Status } from "../executions/status";
import { bucketOf, emptyHistogram } from "../metrics/histogram";
import { DAY_MS, HOUR_MS } from "./hourly";
import { rebuildRollupTable, ROLLUP_TABLES, TOTAL_SHARDS, writeRollupDeltas } from "./queries";

export const CREATED_GRAINS_HOURS = [1, 24] as const;

export type RollupChange = { workflowId: string; before: ExecutionState | null; after: ExecutionState };

export type DailyDelta = { workflowId: string; day: Date; status: Status; count: number; durationSumMs: number; histogram: number[] };
export type CreatedDelta = { grainHours: number; bucket: Date; workflowId: string; status: Status; count: number };
export type TotalDelta = { status: Status; shard: number; count: number };
export type RollupDeltas = { daily: DailyDelta[]; created: CreatedDelta[]; totals: TotalDelta[] };

const floorTo = (t: Date, ms: number) => new Date(Math.floor(t.getTime() / ms) * ms);
export const shardOf = (workflowId: string) => Number(BigInt(workflowId) % BigInt(TOTAL_SHARDS));

/**
 * What one execution adds to the rollups by time: the created-at rollup counts it under any
 * status, the daily one once it is terminal with a duration. Pure.
 */
function contribution(workflowId: string, s: ExecutionState | null) {
  if (!s) return null;
  const finished =
    isTerminal(s.status) && s.completedAt && s.durationMs !== null ? { day: floorTo(s.completedAt, DAY_MS), durationMs: s.durationMs } : null;
  return {
    status: s.status,
    finished,
    created: CREATED_GRAINS_HOURS.map((h) => ({ grainHours: h, bucket: floorTo(s.createdAt, h * HOUR_MS) })),
  };
}

/**
 * The moves of the three aggregates for a batch of changed executions. Zero moves are dropped,
 * and rows come sorted by key so that writers lock them in one global order. Pure.
 */
export function rollupDeltas(changes: readonly RollupChange[]): RollupDeltas {
  const daily = new Map<string, DailyDelta>();
  const created = new Map<string, CreatedDelta>();
  const totals = new Map<string, TotalDelta>();
  for (const { workflowId, before, after } of changes) {
    const add = (c: NonNullable<ReturnType<typeof contribution>>, sign: 1 | -1) => {
      if (c.finished) {
        const key = `${workflowId.padStart(20, "0")}|${c.finished.day.toISOString()}|${c.status}`;
        const d = daily.get(key) ?? { workflowId, day: c.finished.day, status: c.status, count: 0, durationSumMs: 0, histogram: emptyHistogram() };
        d.count += sign;
        d.durationSumMs += sign * c.finished.durationMs;
        d.histogram[bucketOf(c.finished.durationMs)]! += sign;
        daily.set(key, d);
      }
      for (const b of c.created) {
        const key = `${b.grainHours.toString().padStart(2, "0")}|${b.bucket.toISOString()}|${workflowId.padStart(20, "0")}|${c.status}`;
        const r = created.get(key) ?? { ...b, workflowId, status: c.status, count: 0 };
        r.count += sign;
        created.set(key, r);
      }
    };
    // the running totals count every execution under its current status
    const total = (st: Status, sign: 1 | -1) => {
      const shard = shardOf(workflowId);
      const key = `${st}|${shard.toString().padStart(2, "0")}`;
      const t = totals.get(key) ?? { status: st, shard, count: 0 };
      t.count += sign;
      totals.set(key, t);
    };
    const b = contribution(workflowId, before);
    const a = contribution(workflowId, after);
    if (b) add(b, -1);
    if (a) add(a, 1);
    if (before) total(before.status, -1);
    total(after.status, 1);
  }
  const sorted = <T>(m: Map<string, T>, keep: (v: T) => boolean) => [...m.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, v]) => v).filter(keep);
  return {
    daily: sorted(daily, (d) => d.count !== 0 || d.durationSumMs !== 0 || d.histogram.some((n) => n !== 0)),
    created: sorted(created, (r) => r.count !== 0),
    totals: sorted(totals, (t) => t.count !== 0),
  };
}

/**
 * Writes the moves in one statement. Its shape never changes (an empty part is an empty array),
 * so every writer takes the rows of the three tables in the same order: daily, created, totals,
 * each sorted by key. Called after execution_hourly and before the workflow counters.
 */
export async function writeRollups(client: Queryable, orgId: string, d: RollupDeltas): Promise<void> {
  if (!d.daily.length && !d.created.length && !d.totals.length) return;
  await writeRollupDeltas(client, orgId, d.daily, d.created, d.totals);
}

/**
 * Rebuilds the three aggregates of one organization (null: all) from the executions, for the
 * generator and `runwatch repair`. The caller holds execution_hourly steady (repair locks it);
 * the tables are locked here the way repair locks execution_hourly.
 */
export async function rebuildRollups(client: Queryable, orgId: string | null): Promise<void> {
  for (const t of ROLLUP_TABLES) await rebuildRollupTable(client, t, orgId);
}
