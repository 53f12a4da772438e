// Stage times, durations and the hourly aggregate as the stored timeline and the executions say
// they must be (rule 5, and the aggregate as a recount). `runwatch verify` compares them with
// what is stored; `runwatch repair` writes them, for executions written by the old first-received
// rule (before the merge of issue 9) or anything else that drifted.
import type pg from "pg";
import { BUCKET_COUNT, BUCKET_UPPER_MS } from "../metrics/histogram";
import { TERMINAL_STATUSES } from "./status";

const TERMINAL_SQL = TERMINAL_STATUSES.map((s) => `'${s}'`).join(", ");

/**
 * The executions whose stored stage times differ from the ones their timeline gives: the
 * earliest occurredAt of any event (heartbeats included), of its SCHEDULED events, of its
 * RUNNING/WAITING events, and of the events of its terminal status. Kept as LEAST with the stored
 * value: the stored one was some event's occurredAt too, whose timeline row retention may have
 * dropped. Set-wise (hash aggregates, not a lookup per execution), so it scales to a full table.
 * $1: an organization id, or NULL for all.
 */
export const STAGE_TIMES_SQL = `
  WITH per AS (
    SELECT ev."orgId", ev."executionId", ev.status, min(ev."occurredAt") AS at
      FROM execution_events ev WHERE $1::uuid IS NULL OR ev."orgId" = $1::uuid GROUP BY 1, 2, 3
  ), t AS (
    SELECT p."orgId", p."executionId", min(p.at) AS first,
           min(p.at) FILTER (WHERE p.status = 'SCHEDULED') AS sched,
           min(p.at) FILTER (WHERE p.status IN ('RUNNING', 'WAITING')) AS started
      FROM per p GROUP BY 1, 2
  ), hb AS (
    SELECT h."orgId", h."executionId", min(h."firstOccurredAt") AS first
      FROM execution_heartbeats h WHERE $1::uuid IS NULL OR h."orgId" = $1::uuid GROUP BY 1, 2
  ), want AS (
    SELECT e."orgId", e.id, e."executionId", e.status, e."createdAt", e."scheduledAt", e."startedAt", e."completedAt", e."durationMs",
           LEAST(e."createdAt", t.first, hb.first) AS "wantCreatedAt",
           LEAST(e."scheduledAt", t.sched) AS "wantScheduledAt",
           LEAST(e."startedAt", t.started) AS "wantStartedAt",
           CASE WHEN e.status IN (${TERMINAL_SQL}) THEN LEAST(e."completedAt", term.at) END AS "wantCompletedAt"
      FROM executions e
      LEFT JOIN t ON t."orgId" = e."orgId" AND t."executionId" = e."executionId"
      LEFT JOIN per term ON term."orgId" = e."orgId" AND term."executionId" = e."executionId" AND term.status = e.status
      LEFT JOIN hb ON hb."orgId" = e."orgId" AND hb."executionId" = e."executionId"
     WHERE $1::uuid IS NULL OR e."orgId" = $1::uuid
  ), diff AS (
    SELECT w.*, CASE WHEN w."wantCompletedAt" IS NULL THEN NULL ELSE
             GREATEST(0, round(extract(epoch FROM w."wantCompletedAt" - COALESCE(w."wantStartedAt", w."wantCreatedAt")) * 1000))::bigint END AS "wantDurationMs"
      FROM want w
  )
  SELECT d."orgId", d.id::text AS id, d."executionId", d.status, d."createdAt", d."scheduledAt", d."startedAt", d."completedAt",
         d."durationMs"::text AS "durationMs", d."wantCreatedAt", d."wantScheduledAt", d."wantStartedAt", d."wantCompletedAt",
         d."wantDurationMs"::text AS "wantDurationMs"
    FROM diff d
   WHERE d."createdAt" IS DISTINCT FROM d."wantCreatedAt" OR d."scheduledAt" IS DISTINCT FROM d."wantScheduledAt"
      OR d."startedAt" IS DISTINCT FROM d."wantStartedAt" OR d."completedAt" IS DISTINCT FROM d."wantCompletedAt"
      OR d."durationMs" IS DISTINCT FROM d."wantDurationMs"`;

/** How many executions the check covers. */
export const EXECUTION_COUNT_SQL = `SELECT count(*)::int AS n FROM executions WHERE $1::uuid IS NULL OR "orgId" = $1::uuid`;

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

export type HourlyRow = { orgId: string; workflowId: string; hour: Date; status: string; count: number; durationSumMs: string; histogram: number[] };

/** The hourly aggregate as a recount of the terminal executions gives it (hours in UTC). */
export async function recountHourly(db: Pick<pg.ClientBase, "query">, orgId: string | null): Promise<HourlyRow[]> {
  const { rows } = await db.query<{ orgId: string; workflowId: string; hour: Date; status: string; bucket: number; n: number; sum: string }>(
    `SELECT e."orgId", e."workflowId"::text AS "workflowId", date_trunc('hour', e."completedAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
            e.status, width_bucket(e."durationMs", $2::bigint[]) AS bucket, count(*)::int AS n, sum(e."durationMs")::text AS sum
       FROM executions e
      WHERE e.status IN (${TERMINAL_SQL}) AND e."completedAt" IS NOT NULL AND e."durationMs" IS NOT NULL
        AND ($1::uuid IS NULL OR e."orgId" = $1::uuid)
      GROUP BY 1, 2, 3, 4, 5`,
    [orgId, BUCKET_UPPER_MS],
  );
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

export async function storedHourly(db: Pick<pg.ClientBase, "query">, orgId: string | null): Promise<HourlyRow[]> {
  const { rows } = await db.query<HourlyRow>(
    `SELECT "orgId", "workflowId"::text AS "workflowId", hour, status, count, "durationSumMs"::text AS "durationSumMs", histogram
       FROM execution_hourly WHERE $1::uuid IS NULL OR "orgId" = $1::uuid`,
    [orgId],
  );
  return rows;
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
