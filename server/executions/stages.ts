// An execution's lifecycle as stages (each with its start and the time spent in it) and its
// header times, from its timestamps and its applied timeline events. Pure: `now` is passed in.
import { isTerminal, type Status } from "./status";

export type TimelineEventInput = {
  type: "STATUS" | "HEARTBEAT";
  occurredAt: Date;
  outcome: "APPLIED" | "DUPLICATE" | "STALE" | "REJECTED";
  statusBefore: Status | null;
  statusAfter: Status | null;
};

export type StageSource = {
  status: Status;
  createdAt: Date;
  scheduledAt: Date | null;
  startedAt: Date | null;
  completedAt: Date | null;
  statusChangedAt: Date;
  /** the execution's timeline in arrival order */
  events: readonly TimelineEventInput[];
};

export type Stage = {
  status: Status;
  start: Date;
  /** when the next stage began; null for the current stage and for a terminal one */
  end: Date | null;
  /** time spent in it: up to `now` for the current stage; null for a terminal stage */
  durationMs: number | null;
  current: boolean;
};

type Point = { status: Status; at: Date };

/** The points where the status changed, in the order they were applied. */
function transitionsFromEvents(s: StageSource): Point[] {
  const points: Point[] = [];
  for (const e of s.events) {
    if (e.type !== "STATUS" || e.outcome !== "APPLIED" || !e.statusAfter) continue;
    if (e.statusBefore === e.statusAfter) continue;
    if (points.length === 0 && e.statusBefore !== null) {
      // created without an event of its own (a ContinueAsNew successor starts PENDING)
      points.push({ status: e.statusBefore, at: s.createdAt });
    }
    points.push({ status: e.statusAfter, at: e.statusBefore === null ? s.createdAt : e.occurredAt });
  }
  return points;
}

/** The stages the stored timestamps alone can tell (timeline missing or pruned). */
function transitionsFromTimestamps(s: StageSource): Point[] {
  const points: Point[] = [];
  const firstLater = s.scheduledAt ?? s.startedAt ?? s.completedAt;
  if (!firstLater || s.createdAt < firstLater || s.status === "PENDING") points.push({ status: "PENDING", at: s.createdAt });
  if (s.scheduledAt) points.push({ status: "SCHEDULED", at: s.scheduledAt });
  if (s.startedAt) points.push({ status: "RUNNING", at: s.startedAt });
  if (isTerminal(s.status) && s.completedAt) points.push({ status: s.status, at: s.completedAt });
  else if (s.status !== points[points.length - 1]?.status) points.push({ status: s.status, at: s.statusChangedAt });
  return points;
}

/**
 * Stages in the order they were entered. Reports can arrive with clocks out of step, so a start
 * never goes back before the previous stage's start (durations are never negative).
 */
export function lifecycleStages(s: StageSource, now: Date): Stage[] {
  let points = transitionsFromEvents(s);
  if (points.length === 0) points = transitionsFromTimestamps(s);
  for (let i = 1; i < points.length; i++) {
    if (points[i]!.at < points[i - 1]!.at) points[i] = { ...points[i]!, at: points[i - 1]!.at };
  }
  return points.map((p, i) => {
    const next = points[i + 1];
    if (next) return { status: p.status, start: p.at, end: next.at, durationMs: next.at.getTime() - p.at.getTime(), current: false };
    if (isTerminal(p.status)) return { status: p.status, start: p.at, end: null, durationMs: null, current: false };
    return { status: p.status, start: p.at, end: null, durationMs: Math.max(0, now.getTime() - p.at.getTime()), current: true };
  });
}

export type ExecutionTimes = {
  /** created → started (→ now while it has not started; null if it ended without starting) */
  queueMs: number | null;
  /** started → completed (→ now while active); null if it never started */
  runMs: number | null;
  /** created → completed (→ now while active) */
  totalMs: number;
};

export function executionTimes(s: Pick<StageSource, "status" | "createdAt" | "startedAt" | "completedAt">, now: Date): ExecutionTimes {
  const end = isTerminal(s.status) && s.completedAt ? s.completedAt : now;
  const ms = (a: Date, b: Date) => Math.max(0, b.getTime() - a.getTime());
  return {
    queueMs: s.startedAt ? ms(s.createdAt, s.startedAt) : isTerminal(s.status) ? null : ms(s.createdAt, now),
    runMs: s.startedAt ? ms(s.startedAt, end) : null,
    totalMs: ms(s.createdAt, end),
  };
}
