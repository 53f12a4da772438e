// Stage times, durations and the hourly aggregate as the stored timeline and the executions say
// they must be (rule 5, and the aggregate as a recount). `runwatch verify` compares them with
// what is stored; `runwatch repair` writes them, for executions written by the old first-received
// rule (before the merge of issue 9) or anything else that drifted.
import type { Queryable } from "../db/sql";
import { BUCKET_COUNT, BUCKET_UPPER_MS } from "../metrics/histogram";
import { hourlyRecountRows, storedHourlyRows, type HourlyRow } from "./queries";

export type { HourlyRow } from "./queries";

/** An execution's stored stage times beside the ones its timeline gives (server/aggregates/queries.ts reads them). */
export type StageTimesRow = {
  orgId: string;
  id: string;
  executionId: string;
  status: string;
  createdAt: Date;
  scheduledAt: Date | null;
  startedAt: Date | null;
  completedAt: Date | null;
  durationMs: string | null;
  wantCreatedAt: Date;
  wantScheduledAt: Date | null;
  wantStartedAt: Date | null;
  wantCompletedAt: Date | null;
  wantDurationMs: string | null;
};

export const STAGE_FIELDS = ["createdAt", "scheduledAt", "startedAt", "completedAt", "durationMs"] as const;
export type StageField = (typeof STAGE_FIELDS)[number];
export type StageDifference = { executionId: string; field: StageField; stored: string | null; actual: string | null };

const show = (v: Date | string | null) => (v === null ? null : v instanceof Date ? v.toISOString() : v);

/** The stage fields of one row that differ from what its timeline gives; pure. */
export function stageDifferences(r: StageTimesRow): StageDifference[] {
  const want = { createdAt: r.wantCreatedAt, scheduledAt: r.wantScheduledAt, startedAt: r.wantStartedAt, completedAt: r.wantCompletedAt, durationMs: r.wantDurationMs };
  return STAGE_FIELDS.filter((f) => show(r[f]) !== show(want[f])).map((field) => ({ executionId: r.executionId, field, stored: show(r[field]), actual: show(want[field]) }));
}

/** The hourly aggregate as a recount of the terminal executions gives it (hours in UTC). */
export async function recountHourly(db: Queryable, orgId: string | null): Promise<HourlyRow[]> {
  const rows = await hourlyRecountRows(db, orgId, BUCKET_UPPER_MS);
  const byKey = new Map<string, HourlyRow>();
  for (const r of rows) {
    const key = `${r.orgId}|${r.workflowId}|${r.hour.toISOString()}|${r.status}`;
    const h = byKey.get(key) ?? { orgId: r.orgId, workflowId: r.workflowId, hour: r.hour, status: r.status, count: 0, durationSumMs: "0", histogram: new Array(BUCKET_COUNT).fill(0) };
    h.count += r.n;
    h.durationSumMs = (BigInt(h.durationSumMs) + BigInt(r.sum)).toString();
    h.histogram[r.bucket]! += r.n;
    byKey.set(key, h);
  }
  return [...byKey.values()];
}

/** The hourly aggregate as stored. */
export async function storedHourly(db: Queryable, orgId: string | null): Promise<HourlyRow[]> {
  return storedHourlyRows(db, orgId);
}

export type HourlyDifference = { orgId: string; workflowId: string; hour: string; status: string; stored: Omit<HourlyRow, "orgId" | "workflowId" | "hour" | "status"> | null; actual: Omit<HourlyRow, "orgId" | "workflowId" | "hour" | "status"> | null };

/** Rows of the stored aggregate that differ from the recount (missing on either side included); pure. */
export function hourlyDifferences(stored: HourlyRow[], actual: HourlyRow[]): HourlyDifference[] {
  const key = (h: HourlyRow) => `${h.orgId}|${h.workflowId}|${h.hour.toISOString()}|${h.status}`;
  const body = (h: HourlyRow | undefined) => (h ? { count: h.count, durationSumMs: h.durationSumMs, histogram: h.histogram } : null);
  const s = new Map(stored.filter((h) => h.count !== 0).map((h) => [key(h), h]));
  const a = new Map(actual.map((h) => [key(h), h]));
  const out: HourlyDifference[] = [];
  for (const k of new Set([...s.keys(), ...a.keys()])) {
    const x = body(s.get(k));
    const y = body(a.get(k));
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    const any = (s.get(k) ?? a.get(k))!;
    out.push({ orgId: any.orgId, workflowId: any.workflowId, hour: any.hour.toISOString(), status: any.status, stored: x, actual: y });
  }
  return out;
}
