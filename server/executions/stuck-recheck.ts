// The ingestion side of the incremental sweep (server/monitor/sweep.ts). The sweep only reads
// executions that crossed their stuck threshold since its last run; two things it cannot see
// that way are handed to it here, in the transaction that moves the execution:
// - an execution that ingestion moves while it is stuck (its alert must resolve), and
// - an event that makes an execution stuck at once (an old occurredAt: it crossed its threshold
//   before the sweep's window).
// Both are written to stuck_rechecks, which the next sweep re-judges and empties.
import { lastSignOfLife, type StuckInput } from "./stuck";

/**
 * How far back each sweep's window reaches behind the previous sweep's clock, and how far ahead
 * of its own time an ingestion queues a recheck. An ingestion that commits while a sweep runs is
 * invisible to that sweep; the overlap lets the next one still catch it. Larger than any sweep
 * interval or ingest transaction; re-reading that minute costs little (it holds only the
 * executions that crossed their threshold in it).
 */
export const STUCK_OVERLAP_SECONDS = 60;

/** Since when the stuck rule would count a SCHEDULED or RUNNING execution (CONTRACT.md §2). */
function stuckClock(s: StuckInput): { scheduled: Date | null; running: Date | null } {
  if (s.status === "SCHEDULED") return { scheduled: s.statusChangedAt, running: null };
  if (s.status === "RUNNING") return { scheduled: null, running: lastSignOfLife(s) };
  return { scheduled: null, running: null };
}

const earliest = (a: Date | null, b: Date | null) => (a && b ? (a < b ? a : b) : (a ?? b));

export type RecheckCandidate = { executionId: string; workflowId: string; scheduled: Date | null; running: Date | null };

/**
 * An execution whose stuck clock changed, with the earliest "since" of either state, before and
 * after: the SQL below keeps it when that is near or past the workflow's threshold. Null when the
 * rule's inputs did not change (most heartbeats of a healthy execution still change them).
 */
export function recheckCandidate(executionId: string, workflowId: string, before: StuckInput | null, after: StuckInput): RecheckCandidate | null {
  const b = before ? stuckClock(before) : { scheduled: null, running: null };
  const a = stuckClock(after);
  if (b.scheduled?.getTime() === a.scheduled?.getTime() && b.running?.getTime() === a.running?.getTime()) return null;
  const scheduled = earliest(b.scheduled, a.scheduled);
  const running = earliest(b.running, a.running);
  return scheduled || running ? { executionId, workflowId, scheduled, running } : null;
}

/**
 * The statement (one CTE of ingestion's write) that queues the candidates that are within the
 * overlap of their threshold, judged by the later of the database's time and the organization's
 * last sweep (a monitor on a clock ahead of the database's). `$1` is the organization.
 */
export function recheckInsertSql(candidatesParam: string): string {
  return `INSERT INTO stuck_rechecks ("orgId", "executionId")
       SELECT $1, x."executionId"
       FROM json_to_recordset(${candidatesParam}) AS x("executionId" text, "workflowId" bigint, scheduled timestamptz, running timestamptz)
       JOIN workflows w ON w."orgId" = $1 AND w.id = x."workflowId"
       JOIN organizations o ON o.id = $1
       CROSS JOIN LATERAL (SELECT GREATEST(now(), (SELECT c."sweptUntil" FROM stuck_sweep_checkpoints c WHERE c."orgId" = $1))
                                  + make_interval(secs => ${STUCK_OVERLAP_SECONDS}) AS horizon) h
       WHERE x.scheduled + make_interval(secs => COALESCE(w."stuckScheduledAfterSeconds", o."stuckScheduledAfterSeconds")) <= h.horizon
          OR x.running + make_interval(secs => COALESCE(w."stuckRunningAfterSeconds", o."stuckRunningAfterSeconds")) <= h.horizon
       ON CONFLICT DO NOTHING`;
}
