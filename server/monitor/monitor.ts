// The monitor loop: every interval, every process tries to lead (server/monitor/lease.ts); the
// leader runs one sweep and the missed-run check (server/monitor/missed.ts) in one transaction on
// its lease connection, then applies the optional auto-timeouts through the ingestion service (the
// only way an execution's status changes).
import type pg from "pg";
import { config, sessionDatabaseUrl } from "../config";
import { systemContext } from "../context";
import { pool } from "../db/client";
import { MONITOR_ACTOR, recordAlertEvents } from "../alerts/history";
import { ingestOne } from "../ingest/service";
import { log } from "../log";
import { forgetStuckCounts, recordSweep } from "../metrics/prometheus";
import { audited } from "../rbac/audited";
import { dropExpiredDeferredEvents } from "./deferred";
import { LeaderLease } from "./lease";
import { checkMissedRuns, type MissedCheckResult } from "./missed";
import { markAlertTimedOut } from "./queries";
import { STUCK_GAUGE_EVERY_MS, sweep, type SweepResult, type TimeoutTask } from "./sweep";

export type TickResult = SweepResult & { missed: MissedCheckResult };

export type MonitorOptions = {
  intervalMs: number;
  failureRateEveryMs: number;
  databaseUrl?: string;
  holder?: string;
  /** the time the sweep and the missed-run check judge by (tests move it instead of sleeping) */
  clock: () => Date;
  /** sweep and check only these organizations (tests, each in its own); all of them by default */
  orgIds?: readonly string[];
  /** called after each sweep the leader commits (tests, metrics) */
  onSweep?: (r: TickResult & { durationMs: number }) => void;
  /** called right after a sweep's transaction commits, before its auto-timeouts (fault-injection tests) */
  afterCommit?: (r: TickResult) => void;
};

const EMBEDDED = () => config().RUNWATCH_EMBEDDED_DB === "1";

export class Monitor {
  private readonly lease: LeaderLease | null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private lastFailureRateAt = 0;
  private lastStuckCountAt = 0;

  constructor(private readonly opts: MonitorOptions) {
    // Embedded PGlite is one session shared by every connection: an advisory lock cannot tell
    // processes apart there, and a second connection's transaction would interleave with the
    // pool's. One process uses it, so that process simply leads, through the pool.
    this.lease = EMBEDDED()
      ? null
      : new LeaderLease({ databaseUrl: opts.databaseUrl ?? sessionDatabaseUrl(), holder: opts.holder, idleSessionTimeoutMs: Math.max(4 * opts.intervalMs, 5_000) });
  }

  get isLeader(): boolean {
    return this.lease ? this.lease.isLeader : !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await this.lease?.release();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = Date.now();
      this.running = this.tick()
        .then(() => undefined)
        .catch((err) => log.error({ err }, "monitor: tick failed"))
        .finally(() => {
          this.running = null;
          this.schedule(Math.max(0, this.opts.intervalMs - (Date.now() - started)));
        });
    }, delayMs);
  }

  /** One tick: lead if possible, then sweep. Returns the sweep's result when this process led. */
  async tick(): Promise<TickResult | null> {
    const failureRate = Date.now() - this.lastFailureRateAt >= this.opts.failureRateEveryMs;
    const countStuck = Date.now() - this.lastStuckCountAt >= STUCK_GAUGE_EVERY_MS;
    const started = performance.now();
    let result: TickResult | null;
    if (this.lease) {
      const client = await this.lease.acquire();
      if (!client) {
        forgetStuckCounts();
        return null;
      }
      result = await this.sweepOn(client, { failureRate, countStuck }, true);
    } else {
      const client = await pool().connect();
      try {
        result = await this.sweepOn(client, { failureRate, countStuck }, false);
      } finally {
        client.release();
      }
    }
    if (!result) return null;
    if (failureRate) this.lastFailureRateAt = Date.now();
    if (countStuck) this.lastStuckCountAt = Date.now();
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    if (result.opened.length || result.resolved || result.notifications) {
      log.info({ stuck: result.stuck, opened: result.opened.length, resolved: result.resolved, storms: result.storms, notifications: result.notifications, durationMs }, "monitor: sweep");
    }
    if (result.missed.opened || result.missed.resolved) log.info({ ...result.missed }, "monitor: missed runs");
    recordSweep(durationMs / 1000, result.stuckByReason);
    this.opts.afterCommit?.(result);
    for (const task of result.timeOuts) await this.applyTimeout(task, result.now).catch((err) => log.error({ err, task }, "monitor: auto-timeout failed"));
    await dropExpiredDeferredEvents(pool(), { now: this.opts.clock(), maxAgeHours: config().RUNWATCH_DEFER_HOURS })
      .then((dropped) => dropped && log.info({ dropped }, "monitor: dropped deferred events past RUNWATCH_DEFER_HOURS"))
      .catch((err) => log.error({ err }, "monitor: dropping old deferred events failed"));
    this.opts.onSweep?.({ ...result, durationMs });
    return result;
  }

  private async sweepOn(client: pg.ClientBase, what: { failureRate: boolean; countStuck: boolean }, fenced: boolean): Promise<TickResult | null> {
    await client.query("BEGIN");
    try {
      if (fenced && !(await this.lease!.stillHeld(client) && (await this.lease!.renewWithin(client)))) {
        await client.query("ROLLBACK");
        this.lease!.stepDown("fencing check failed: another process took over");
        return null;
      }
      const now = this.opts.clock();
      const result = await sweep(client, { now, ...what, orgIds: this.opts.orgIds });
      const missed = await checkMissedRuns(client, { now, orgIds: this.opts.orgIds });
      await client.query("COMMIT");
      return { ...result, missed };
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    }
  }

  /**
   * Marks a stuck execution TIMED_OUT through ingestion (idempotent eventId), with the alert's
   * mark, its timeline entry and the audit entry in one transaction, at the sweep's time: a task that runs twice finds
   * the alert marked and changes nothing.
   */
  private async applyTimeout(task: TimeoutTask, at: Date): Promise<void> {
    const message = `Runwatch marked this execution TIMED_OUT: ${task.reason === "scheduled" ? "SCHEDULED" : "RUNNING without a sign of life"} since ${task.since.toISOString()}, ${task.multiple}× its ${task.thresholdSeconds} s threshold`;
    await audited(systemContext(task.orgId, MONITOR_ACTOR.label), { action: "execution.auto_timeout", resourceType: "execution", resourceId: task.executionId }, async (client) => {
      if (!(await markAlertTimedOut(client, task.orgId, task.alertId, at))) return { result: undefined, noop: true };
      const outcome = await ingestOne(
        { orgId: task.orgId, client },
        {
          event: {
            eventId: `monitor-timeout-${task.alertId}`,
            executionId: task.executionId,
            type: "status",
            status: "TIMED_OUT",
            attempt: task.attempt,
            occurredAt: at,
            error: { message, code: "RUNWATCH_STUCK_TIMEOUT" },
          },
          receivedAt: new Date(),
        },
      );
      await recordAlertEvents(client, [{ orgId: task.orgId, alertId: task.alertId, kind: "timed_out", actor: MONITOR_ACTOR, note: `${outcome.outcome}${outcome.reason ? `: ${outcome.reason}` : ""}` }]);
      return {
        result: undefined,
        after: { status: outcome.status },
        details: { alertId: task.alertId, reason: task.reason, since: task.since.toISOString(), multiple: task.multiple, thresholdSeconds: task.thresholdSeconds, outcome: outcome.outcome },
        success: outcome.outcome === "applied" || outcome.outcome === "duplicate",
      };
    });
  }
}
