// The stuck rule of CONTRACT.md §2, written once: as a pure function (stuckVerdict) and, beside
// it, as the one SQL builder (stuckSql) that every reader uses: the API's reads and lists, the
// dashboard's list and charts, and the monitor's sweep. tests/integration/stuck-agreement.itest.ts
// generates executions at the edges and holds the two to the same answers.
import type { Status } from "./status";

export type StuckThresholds = { stuckScheduledAfterSeconds: number; stuckRunningAfterSeconds: number };
export type StuckReason = "scheduled" | "running";

export type StuckInput = {
  status: Status;
  statusChangedAt: Date;
  startedAt: Date | null;
  lastHeartbeatAt: Date | null;
  lastEventAt: Date | null;
};

export const DEFAULT_THRESHOLDS: StuckThresholds = { stuckScheduledAfterSeconds: 300, stuckRunningAfterSeconds: 1800 };

/**
 * The newest sign of life of a running execution: startedAt, lastHeartbeatAt and its last event
 * (lastEventAt, never null). A missing heartbeat falls back to the others, so it never makes an
 * execution immune.
 */
export function lastSignOfLife(e: StuckInput): Date {
  const candidates = [e.startedAt, e.lastHeartbeatAt, e.lastEventAt].filter((d): d is Date => d !== null);
  return new Date(Math.max(...candidates.map((d) => d.getTime())));
}

export type StuckVerdict = { reason: StuckReason; since: Date } | null;

/** Why (and since when) an execution is stuck at `now`, or null when it is not. */
export function stuckVerdict(e: StuckInput, t: StuckThresholds, now: Date): StuckVerdict {
  if (e.status === "SCHEDULED") {
    const since = e.statusChangedAt;
    return now.getTime() - since.getTime() > t.stuckScheduledAfterSeconds * 1000 ? { reason: "scheduled", since } : null;
  }
  if (e.status === "RUNNING") {
    const since = lastSignOfLife(e);
    return now.getTime() - since.getTime() > t.stuckRunningAfterSeconds * 1000 ? { reason: "running", since } : null;
  }
  return null;
}

/** Workflow overrides fall back to the organization's defaults. */
export function effectiveThresholds(
  org: StuckThresholds,
  workflow: { stuckScheduledAfterSeconds: number | null; stuckRunningAfterSeconds: number | null },
): StuckThresholds {
  return {
    stuckScheduledAfterSeconds: workflow.stuckScheduledAfterSeconds ?? org.stuckScheduledAfterSeconds,
    stuckRunningAfterSeconds: workflow.stuckRunningAfterSeconds ?? org.stuckRunningAfterSeconds,
  };
}

/**
 * The same rule in SQL, over an executions row aliased `e` (any alias) and two SQL expressions
 * for its effective thresholds in seconds. The sign-of-life expression is exactly the one the
 * partial index executions_running_alive_idx is built on (alias aside), so the sweep can use it.
 * GREATEST ignores NULLs, as lastSignOfLife ignores a missing heartbeat.
 */
export function stuckSql(o: { e?: string; scheduledAfterSeconds: string; runningAfterSeconds: string; now?: string }) {
  const e = o.e ?? "e";
  const now = o.now ?? "now()";
  const scheduledSince = `${e}."statusChangedAt"`;
  const signOfLife = `GREATEST(${e}."startedAt", ${e}."lastHeartbeatAt", ${e}."lastEventAt")`;
  const olderThan = (since: string, seconds: string) => `${since} < ${now} - make_interval(secs => ${seconds})`;
  return {
    /** when a SCHEDULED execution entered Scheduled */
    scheduledSince,
    /** the newest sign of life of a RUNNING execution */
    signOfLife,
    olderThan,
    /** 'scheduled', 'running' or NULL */
    reason: `CASE
  WHEN ${e}.status = 'SCHEDULED' AND ${olderThan(scheduledSince, o.scheduledAfterSeconds)} THEN 'scheduled'
  WHEN ${e}.status = 'RUNNING' AND ${olderThan(signOfLife, o.runningAfterSeconds)} THEN 'running'
END`,
    /** since when it would be stuck (its stage's start or its last sign of life); NULL unless SCHEDULED or RUNNING */
    since: `CASE ${e}.status WHEN 'SCHEDULED' THEN ${scheduledSince} WHEN 'RUNNING' THEN ${signOfLife} END`,
  };
}

/** The rule over executions e joined to their workflow w and organization o (effective thresholds). */
export const STUCK_SQL = stuckSql({
  scheduledAfterSeconds: `COALESCE(w."stuckScheduledAfterSeconds", o."stuckScheduledAfterSeconds")`,
  runningAfterSeconds: `COALESCE(w."stuckRunningAfterSeconds", o."stuckRunningAfterSeconds")`,
});

/** The stuck reason of executions e (joined to w and o), 'scheduled' | 'running' | NULL. */
export const STUCK_REASON_SQL = STUCK_SQL.reason;
/** Since when e would be stuck (see stuckSql's `since`). */
export const STUCK_SINCE_SQL = STUCK_SQL.since;

/**
 * The rule for one organization's executions e of one status, without joining organizations, for
 * a stuck-only count: two disjoint parts (a join and a condition each) whose union is exactly the
 * stuck ones, both read index-only from the org-leading partial index of that status
 * (executions_scheduled_org_since_idx, executions_running_org_alive_idx, which carry the workflow
 * and the signs of life).
 * - "since" older than the largest threshold of the organization and its workflows: stuck
 *   whatever its workflow, a range of the index and nothing else;
 * - between the smallest and the largest: its workflow's threshold decides, joined by the
 *   workflowId the index carries (hashed: the organization's workflows are few);
 * - newer than the smallest: not stuck, never read.
 * The bounds are uncorrelated subqueries, evaluated once per statement. Split so, no lookup is
 * priced on the rows of the first range: a lookup per row there made the planner's estimate of a
 * count that runs in milliseconds cross jit_above_cost, and JIT compiling took 80-130 ms.
 * `org` is the SQL of the organization's id.
 */
export function stuckOnlySql(status: "SCHEDULED" | "RUNNING", org: string, e = "e"): { join: string; where: string }[] {
  const s = stuckSql({ e, scheduledAfterSeconds: "", runningAfterSeconds: "" });
  const col = status === "SCHEDULED" ? `"stuckScheduledAfterSeconds"` : `"stuckRunningAfterSeconds"`;
  const since = status === "SCHEDULED" ? s.scheduledSince : s.signOfLife;
  const bound = (agg: "min" | "max") => stuckThresholdBoundSql(status, org, agg);
  const own = `COALESCE(tw.${col}, (SELECT tobj.${col} FROM organizations tobj WHERE tobj.id = ${org}))`;
  const ofStatus = `${e}.status = '${status}'`;
  const pastLargest = s.olderThan(since, bound("max"));
  return [
    { join: "", where: `${ofStatus} AND ${pastLargest}` },
    {
      join: `JOIN workflows tw ON tw."orgId" = ${e}."orgId" AND tw.id = ${e}."workflowId"`,
      where: `${ofStatus} AND NOT (${pastLargest}) AND ${s.olderThan(since, bound("min"))} AND ${s.olderThan(since, own)}`,
    },
  ];
}

/**
 * The smallest or largest effective threshold (seconds) of one status among an organization and
 * its workflows: older than the largest, an execution of that status is stuck whatever its
 * workflow, so the ones not stuck lie in a range of "since" over the org-leading partial index.
 */
export function stuckThresholdBoundSql(status: "SCHEDULED" | "RUNNING", org: string, agg: "min" | "max"): string {
  const col = status === "SCHEDULED" ? `"stuckScheduledAfterSeconds"` : `"stuckRunningAfterSeconds"`;
  const pick = agg === "min" ? "LEAST" : "GREATEST";
  return `(SELECT ${pick}(bo.${col}, (SELECT ${agg}(bw.${col}) FROM workflows bw WHERE bw."orgId" = ${org})) FROM organizations bo WHERE bo.id = ${org})`;
}
