// One sweep of the monitor, run by the leader inside one transaction on its lease connection, in
// named steps: judge the executions that may have changed since the last sweep (one statement),
// plan (pure), open and resolve alerts, storm control, the failure-rate rule, and queue the
// notifications in the same transaction (the outbox). It never sends anything itself. Its clock
// is passed in (SweepOptions.now): the monitor passes the real one, tests a fake one.
import { alertMessage, publicBaseUrl, stormMessage, STORM_SAMPLE_SIZE, type AlertFacts, type Message } from "../delivery/payload";
import { MONITOR_ACTOR, recordAlertEvents } from "../alerts/history";
import {
  DEFAULT_STORM,
  effectiveFailureRate,
  failureRateAction,
  failureRatePercent,
  planStuckSweep,
  stormDecision,
  type StormDecision,
  type StuckPlan,
  type OpenExecutionAlert,
  type Resolution,
  type StuckReason,
  type StuckRow,
} from "../alerts/rules";
import { enabledChannels, enqueueForChannels, type Queryable, type QueuedMessage } from "../delivery/outbox";
import type { Status } from "../executions/status";
import {
  applySweepSettings,
  knownEpisodes,
  recountStorms,
  endQuietStorms,
  failureRateRows,
  fireRateAlert,
  insertStuckAlerts,
  joinStorms,
  openStuckByReasonRows,
  releaseHolds,
  resolveRateAlert,
  resolveStuckAlerts,
  startStorms,
  stormSampleRows,
  stormStateRows,
  stuckDiff,
  workflowContextRows,
  type JudgedRow,
  type OpenedRow,
  type ResolvedRow,
  type WorkflowContextRow,
} from "./queries";

// Which executions a sweep judges, and how, is the one statement stuckDiff (server/monitor/queries.ts):
// per organization in scope, the executions that crossed their threshold since its checkpoint,
// those ingestion queued for a recheck, the open alerts of workflows with an auto-timeout, and on
// a full sweep every execution with an open alert; each with its verdict at the sweep's clock and
// its open alerts.

export type { JudgedRow };

export type TimeoutTask = { orgId: string; alertId: string; executionId: string; attempt: number; reason: StuckReason; since: Date; thresholdSeconds: number; multiple: number };

export type SweepResult = {
  now: Date;
  /** executions judged stuck in this sweep (newly crossed, rechecked or watched; all of them on a full sweep) */
  stuck: number;
  /** open stuck alerts by reason ("scheduled", "running"), for the metrics; null when not counted this time */
  stuckByReason: Record<string, number> | null;
  opened: { orgId: string; alertId: string; executionId: string | null; reason: string }[];
  resolved: number;
  storms: number;
  notifications: number;
  timeOuts: TimeoutTask[];
  failureRateChecked: boolean;
};

export type SweepOptions = {
  /** the sweep's clock: every judgement and every time it writes is this one, not the database's */
  now: Date;
  failureRate: boolean;
  baseUrl?: string;
  /** only these organizations (tests); all of them by default */
  orgIds?: readonly string[];
  /** judge every active execution and every open alert again, ignoring the checkpoints */
  full?: boolean;
  /** count the open stuck alerts for the gauge (default true): a read of every open alert, so the
   *  monitor does it every STUCK_GAUGE_EVERY_MS rather than every sweep */
  countStuck?: boolean;
};

/** How often the monitor recounts the stuck gauge; Prometheus scrapes it at about this pace anyway. */
export const STUCK_GAUGE_EVERY_MS = 30_000;

type Scope = { now: Date; orgIds: string[] | null; base: string };

/** Step 1 (SQL): judge what may have changed since the last sweep; moves the checkpoints on. */
function judgeChanged(client: Queryable, scope: Scope, full: boolean): Promise<JudgedRow[]> {
  return stuckDiff(client, scope.now, scope.orgIds, full);
}

/** Step 2 (pure): the judged rows as the stuck set and the open alerts of planStuckSweep. */
export function splitJudged(rows: readonly JudgedRow[]): { stuck: StuckDbRow[]; open: OpenExecutionAlert[] } {
  const stuck = new Map<string, StuckDbRow>();
  const open: OpenExecutionAlert[] = [];
  for (const r of rows) {
    const key = `${r.orgId}\u0000${r.executionId}`;
    if (r.reason !== null && !stuck.has(key)) {
      stuck.set(key, {
        orgId: r.orgId,
        executionId: r.executionId,
        workflowId: r.workflowId!,
        status: r.status!,
        attempt: r.attempt!,
        reason: r.reason,
        since: r.since!,
        thresholdSeconds: r.thresholdSeconds!,
        autoTimeoutMultiple: r.autoTimeoutMultiple,
      });
    }
    if (r.alertId !== null) {
      open.push({ orgId: r.orgId, id: r.alertId, executionId: r.executionId, reason: r.alertReason!, since: r.alertSince!, timedOutAt: r.alertTimedOutAt, currentStatus: r.status });
    }
  }
  return { stuck: [...stuck.values()], open };
}

type StuckDbRow = StuckRow & { attempt: number };

type WorkflowContext = WorkflowContextRow;

const wfKey = (orgId: string, workflowId: string) => `${orgId}\u0000${workflowId}`;

async function workflowContexts(client: Queryable, pairs: readonly { orgId: string; workflowId: string }[]): Promise<Map<string, WorkflowContext>> {
  const unique = [...new Map(pairs.map((p) => [wfKey(p.orgId, p.workflowId), p])).values()];
  const out = new Map<string, WorkflowContext>();
  if (unique.length === 0) return out;
  for (const r of await workflowContextRows(client, unique, DEFAULT_STORM)) out.set(wfKey(r.orgId, r.workflowId), r);
  return out;
}

/** Step 4: resolve the alerts whose execution moved on, ended or disappeared. */
async function resolveAlerts(client: Queryable, resolve: StuckPlan["resolve"], now: Date): Promise<ResolvedRow[]> {
  if (resolve.length === 0) return [];
  const rows = await resolveStuckAlerts(client, resolve.map((x) => ({ orgId: x.alert.orgId, id: x.alert.id, resolution: x.resolution })), now);
  await recordAlertEvents(client, rows.map((a) => ({ orgId: a.orgId, alertId: a.id, kind: "resolved" as const, actor: MONITOR_ACTOR, note: a.resolution })));
  return rows;
}

type Facts = (a: { orgId: string; id: string; reason: StuckReason; workflowId: string; executionId: string; since: Date }, status: string | null, extra?: Partial<AlertFacts>) => AlertFacts;

function factsFrom(contexts: Map<string, WorkflowContext>): Facts {
  return (a, status, extra = {}) => {
    const ctx = contexts.get(wfKey(a.orgId, a.workflowId));
    return { id: a.id, orgSlug: ctx?.slug ?? a.orgId, executionId: a.executionId, workflow: ctx?.key ?? a.workflowId, status, reason: a.reason, since: a.since, ...extra };
  };
}

type StormPlan = { orgId: string; workflowId: string; group: StuckRow[]; window: number; decision: StormDecision };

/**
 * Step 3: an alert for each newly stuck execution, under storm control, set-based: one read of
 * the episodes already on record (they get no new alert) and of each workflow's recent alerts
 * and open storm, then the storms it starts, the alerts (with the storm they join or start, so
 * no alert is written twice), the joined storms' counts and the new storms' first alerts, one
 * statement each; the firing messages.
 */
async function openAlerts(client: Queryable, candidates: readonly StuckRow[], contexts: Map<string, WorkflowContext>, scope: Scope): Promise<{ opened: OpenedRow[]; messages: QueuedMessage[]; storms: number }> {
  if (candidates.length === 0) return { opened: [], messages: [], storms: 0 };
  const episodeKey = (r: { orgId: string; executionId: string; reason: string }) => `${r.orgId}\u0000${r.executionId}\u0000${r.reason}`;
  const known = new Set((await knownEpisodes(client, candidates)).map(episodeKey));
  const create = known.size === 0 ? candidates : candidates.filter((c) => !known.has(episodeKey(c)));
  if (create.length === 0) return { opened: [], messages: [], storms: 0 };

  const groups = new Map<string, StuckRow[]>();
  for (const c of create) {
    const key = wfKey(c.orgId, c.workflowId);
    const g = groups.get(key);
    if (g) g.push(c);
    else groups.set(key, [c]);
  }
  const windowOf = (key: string) => contexts.get(key)?.stormWindowSeconds ?? DEFAULT_STORM.windowSeconds;
  const state = new Map(
    (await stormStateRows(client, [...groups].map(([key, g]) => ({ orgId: g[0]!.orgId, workflowId: g[0]!.workflowId, windowSeconds: windowOf(key) })), scope.now)).map((r) => [wfKey(r.orgId, r.workflowId), r]),
  );
  const plans: StormPlan[] = [...groups].map(([key, group]) => {
    const window = windowOf(key);
    const threshold = contexts.get(key)?.stormThreshold ?? DEFAULT_STORM.threshold;
    const st = state.get(key);
    // recent counts the workflow's unstormed alerts within the window, these new ones included
    const decision = stormDecision({ newCount: group.length, recentCount: (st?.recent ?? 0) + group.length, activeStormId: st?.stormId ?? null }, { threshold, windowSeconds: window });
    return { orgId: group[0]!.orgId, workflowId: group[0]!.workflowId, group, window, decision };
  });

  const starting = plans.filter((p) => p.decision.kind === "start");
  const started = new Map<string, string>();
  if (starting.length > 0) {
    const rows = await startStorms(client, starting.map((p) => ({ orgId: p.orgId, workflowId: p.workflowId, reason: p.group[0]!.reason, count: p.decision.kind === "start" ? p.decision.count : 0 })), scope.now);
    for (const r of rows) started.set(wfKey(r.orgId, r.workflowId), r.id);
  }
  const stormOf = (p: StormPlan) => (p.decision.kind === "join" ? p.decision.stormId : p.decision.kind === "start" ? started.get(wfKey(p.orgId, p.workflowId))! : null);
  const opened = await insertStuckAlerts(
    client,
    plans.flatMap((p) => p.group.map((c) => ({ ...c, stormId: stormOf(p) }))),
    scope.now,
  );
  await recordAlertEvents(client, opened.map((a) => ({ orgId: a.orgId, alertId: a.id, kind: "fired" as const, actor: MONITOR_ACTOR })));
  const openedBy = new Map<string, OpenedRow[]>();
  for (const a of opened) {
    const key = wfKey(a.orgId, a.workflowId);
    const g = openedBy.get(key);
    if (g) g.push(a);
    else openedBy.set(key, [a]);
  }
  const openedOf = (p: StormPlan) => openedBy.get(wfKey(p.orgId, p.workflowId)) ?? [];

  const joins = plans.flatMap((p) => (p.decision.kind === "join" && openedOf(p).length > 0 ? [{ orgId: p.orgId, stormId: p.decision.stormId, count: openedOf(p).length }] : []));
  if (joins.length > 0) await joinStorms(client, joins, scope.now);
  // only a race keeps a candidate from opening; a started storm then counts what did open
  const short = starting.flatMap((p) => (openedOf(p).length < p.group.length && p.decision.kind === "start" ? [{ orgId: p.orgId, stormId: stormOf(p)!, count: p.decision.count - (p.group.length - openedOf(p).length) }] : []));
  if (short.length > 0) await recountStorms(client, short);
  const samples = new Map<string, OpenedRow[]>();
  if (starting.length > 0) {
    const rows = await stormSampleRows(client, starting.map((p) => ({ orgId: p.orgId, workflowId: p.workflowId, windowSeconds: p.window, stormId: stormOf(p)! })), STORM_SAMPLE_SIZE, scope.now);
    for (const r of rows) {
      const list = samples.get(r.stormId);
      if (list) list.push(r);
      else samples.set(r.stormId, [r]);
    }
  }

  const facts = factsFrom(contexts);
  const messages: QueuedMessage[] = [];
  for (const p of plans) {
    const group = openedOf(p);
    if (group.length === 0) continue;
    const firing = (a: OpenedRow) => alertMessage("alert.firing", facts(a, a.executionStatus), scope.base);
    if (p.decision.kind === "individual") {
      for (const a of group) messages.push({ orgId: p.orgId, alertIds: [a.id], message: firing(a) });
      continue;
    }
    // channels that do not group storms (webhooks by default) still get one message per execution
    for (const a of group) messages.push({ orgId: p.orgId, alertIds: [a.id], message: firing(a), audience: "ungrouped" });
    if (p.decision.kind === "start") {
      const stormId = stormOf(p)!;
      const ctx = contexts.get(wfKey(p.orgId, p.workflowId));
      const count = p.decision.count - (p.group.length - group.length);
      messages.push({
        orgId: p.orgId,
        alertIds: group.map((a) => a.id),
        audience: "grouped",
        message: stormMessage(
          "alert.storm",
          { id: stormId, orgSlug: ctx?.slug ?? p.orgId, workflow: ctx?.key ?? p.workflowId, count, windowSeconds: p.window, first: (samples.get(stormId) ?? []).map((a) => facts(a, a.executionStatus)) },
          scope.base,
        ),
      });
    }
  }
  return { opened, messages, storms: starting.length };
}

/**
 * Step 6 (pure): resolved notifications; an alert announced as part of a storm resolves silently
 * on the channels that group storms (they get the storm's end instead).
 */
export function resolvedMessages(resolved: readonly ResolvedRow[], statusNow: ReadonlyMap<string, Status | null>, facts: Facts, base: string): QueuedMessage[] {
  return resolved.map((a) => ({
    orgId: a.orgId,
    alertIds: [a.id],
    message: alertMessage("alert.resolved", facts(a, statusNow.get(a.id) ?? null, { resolvedAt: a.resolvedAt, resolution: a.resolution }), base),
    audience: a.stormId === null ? ("all" as const) : ("ungrouped" as const),
  }));
}

/**
 * Step 7: a storm ends as soon as none of its alerts is open, in the same sweep as its last alert
 * resolves. (It used to wait until no alert had joined for a whole storm window as well, which
 * delayed alert.storm.resolved by up to that window, 5 minutes by default.) Alerts that fire
 * after the end count towards a new storm, not this one.
 */
async function endStorms(client: Queryable, scope: Scope): Promise<QueuedMessage[]> {
  const endedStorms = await endQuietStorms(client, scope.now, scope.orgIds, DEFAULT_STORM.windowSeconds);
  if (endedStorms.length === 0) return [];
  const ctxs = await workflowContexts(client, endedStorms);
  return endedStorms.map((s) => {
    const ctx = ctxs.get(wfKey(s.orgId, s.workflowId));
    return {
      orgId: s.orgId,
      alertIds: [],
      audience: "grouped" as const,
      message: stormMessage("alert.storm.resolved", { id: s.id, orgSlug: ctx?.slug ?? s.orgId, workflow: ctx?.key ?? s.workflowId, count: s.alertCount, windowSeconds: s.window, first: [] }, scope.base),
    };
  });
}

/** Step 8 (pure): executions due for the optional auto-timeout; the caller applies them after the commit. */
export function timeoutTasks(timeOut: StuckPlan["timeOut"], stuck: readonly StuckDbRow[]): TimeoutTask[] {
  const attemptOf = new Map(stuck.map((s) => [`${s.orgId}\u0000${s.executionId}`, s.attempt]));
  return timeOut.map(({ alert, stuck: s }) => ({
    orgId: alert.orgId,
    alertId: alert.id,
    executionId: alert.executionId,
    attempt: attemptOf.get(`${alert.orgId}\u0000${alert.executionId}`) ?? 1,
    reason: alert.reason,
    since: s.since,
    thresholdSeconds: s.thresholdSeconds,
    multiple: s.autoTimeoutMultiple!,
  }));
}

/** The stuck gauge: open stuck alerts by reason, read through the open-alert index. */
async function openStuckByReason(client: Queryable, scope: Scope): Promise<Record<string, number>> {
  return Object.fromEntries((await openStuckByReasonRows(client, scope.orgIds)).map((r) => [r.reason, r.n]));
}

export async function sweep(client: Queryable, opts: SweepOptions): Promise<SweepResult> {
  const scope: Scope = { now: opts.now, orgIds: opts.orgIds ? [...opts.orgIds] : null, base: opts.baseUrl ?? publicBaseUrl() };
  await applySweepSettings(client);
  const { stuck, open } = splitJudged(await judgeChanged(client, scope, opts.full ?? false));
  const plan = planStuckSweep(stuck, open, scope.now);
  const contexts = await workflowContexts(client, plan.create);
  const storm = await openAlerts(client, plan.create, contexts, scope);
  const opened = storm.opened;
  const resolved = await resolveAlerts(client, plan.resolve, scope.now);
  for (const [key, ctx] of await workflowContexts(client, resolved.filter((r) => !contexts.has(wfKey(r.orgId, r.workflowId))))) contexts.set(key, ctx);
  const statusNow = new Map(plan.resolve.map((x) => [x.alert.id, x.alert.currentStatus]));
  const messages = [...storm.messages, ...resolvedMessages(resolved, statusNow, factsFrom(contexts), scope.base), ...(await endStorms(client, scope))];

  const result: SweepResult = {
    now: scope.now,
    stuck: stuck.length,
    stuckByReason: opts.countStuck === false ? null : await openStuckByReason(client, scope),
    opened: opened.map((a) => ({ orgId: a.orgId, alertId: a.id, executionId: a.executionId, reason: a.reason })),
    resolved: resolved.length,
    storms: storm.storms,
    notifications: 0,
    timeOuts: timeoutTasks(plan.timeOut, stuck),
    failureRateChecked: false,
  };
  if (opts.failureRate) {
    result.failureRateChecked = true;
    messages.push(...(await failureRateSweep(client, scope)));
  }
  if (messages.length > 0) {
    const channels = await enabledChannels(client, messages.map((m) => m.orgId));
    result.notifications = await enqueueForChannels(client, messages, channels);
  }
  return result;
}

// --- The failure-rate rule ----------------------------------------------------------------------

/** Step 9: the failure-rate rule, per workflow with finished executions in its window or an open alert. */
async function failureRateSweep(client: Queryable, scope: Scope): Promise<{ orgId: string; alertIds: string[]; message: Message }[]> {
  const base = scope.base;
  const rows = await failureRateRows(client, scope.now, scope.orgIds);
  const messages: { orgId: string; alertIds: string[]; message: Message }[] = [];
  for (const r of rows) {
    const settings = effectiveFailureRate(
      { enabled: r.orgEnabled, percent: r.orgPercent, minExecutions: r.orgMin, windowSeconds: r.orgWindow },
      { enabled: r.wfEnabled, percent: r.wfPercent, minExecutions: r.wfMin, windowSeconds: r.wfWindow },
    );
    const counts = { failed: r.failed, total: r.total };
    const action = failureRateAction(counts, settings, { open: r.openAlertId !== null, held: (r.heldAlertIds?.length ?? 0) > 0 });
    const failureRate = { failed: r.failed, total: r.total, percent: failureRatePercent(counts), thresholdPercent: settings.percent, windowSeconds: settings.windowSeconds };
    if (action === "fire") {
      const a = await fireRateAlert(client, r.orgId, r.workflowId, { failureRate }, scope.now);
      if (!a) continue;
      await recordAlertEvents(client, [{ orgId: r.orgId, alertId: a.id, kind: "fired", actor: MONITOR_ACTOR, note: `${failureRate.failed} of ${failureRate.total} failed` }]);
      messages.push({
        orgId: r.orgId,
        alertIds: [a.id],
        message: alertMessage("alert.firing", { id: a.id, orgSlug: r.slug, executionId: null, workflow: r.key, status: null, reason: "failure_rate", since: a.since, failureRate }, base),
      });
    } else if (action === "resolve") {
      const resolution: Resolution = settings.enabled ? "rate_recovered" : "rule_disabled";
      const a = await resolveRateAlert(client, r.orgId, r.openAlertId!, resolution, { failureRate }, scope.now);
      if (!a) continue;
      await recordAlertEvents(client, [{ orgId: r.orgId, alertId: a.id, kind: "resolved", actor: MONITOR_ACTOR, note: resolution }]);
      messages.push({
        orgId: r.orgId,
        alertIds: [a.id],
        message: alertMessage(
          "alert.resolved",
          { id: a.id, orgSlug: r.slug, executionId: null, workflow: r.key, status: null, reason: "failure_rate", since: a.since, resolvedAt: a.resolvedAt, resolution, failureRate },
          base,
        ),
      });
    } else if (action === "release_hold") {
      await releaseHolds(client, r.orgId, r.heldAlertIds ?? []);
    }
  }
  return messages;
}
