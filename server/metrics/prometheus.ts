// Prometheus metrics of this process (GET /api/metrics). One registry per process, kept on
// globalThis so Next's module reloading in development does not register a metric twice.
// Default process metrics keep their standard names (process_cpu_seconds_total, nodejs_*), so
// stock dashboards and alerts work; `promtool check metrics` passes on the exposition.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // gauges that prom-client names *_total, which promtool's lint refuses; the same figures remain
  // per type in nodejs_active_handles, nodejs_active_requests and nodejs_active_resources
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) registry.removeSingleMetric(name);
  return {
    registry,
    ingestedEvents: new Counter({
      name: "runwatch_ingested_events_total",
      help: "Events received through the API, by outcome",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "runwatch_http_request_duration_seconds",
      help: "API request latency by route and status code",
      labelNames: ["route", "method", "status"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    sweepDuration: new Histogram({
      name: "runwatch_monitor_sweep_duration_seconds",
      help: "Duration of the monitor's stuck-execution sweeps",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    stuckExecutions: new Gauge({
      name: "runwatch_stuck_executions",
      help: "Executions stuck at the last sweep of the leading monitor, by reason (scheduled, running)",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    deferredEventsDropped: new Counter({
      name: "runwatch_deferred_events_dropped_total",
      help: "Deferred events dropped because no event created their execution within RUNWATCH_DEFER_HOURS",
      registers: [registry],
    }),
    transactionRetries: new Counter({
      name: "runwatch_db_transaction_retries_total",
      help: "Transactions run again after PostgreSQL chose them as a deadlock victim or a creation race",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    alertDeliveries: new Counter({
      name: "runwatch_alert_deliveries_total",
      help: "Alert notification delivery attempts, by channel type and result (delivered, retry, failed, gone)",
      labelNames: ["channel", "result"] as const,
      registers: [registry],
    }),
  };
}

type Metrics = ReturnType<typeof createMetrics>;

export const STUCK_REASONS = ["scheduled", "running"] as const;

/** What one committed sweep tells Prometheus; every reason gets a value, 0 included. */
export function recordSweep(durationSeconds: number, stuckByReason: Partial<Record<string, number>> | null): void {
  const m = metrics();
  m.sweepDuration.observe(durationSeconds);
  // null: this sweep did not recount (the monitor recounts every STUCK_GAUGE_EVERY_MS); keep the last
  if (stuckByReason) for (const reason of STUCK_REASONS) m.stuckExecutions.set({ reason }, stuckByReason[reason] ?? 0);
}

/** A process that no longer leads reports no stuck counts, rather than its last stale ones. */
export function forgetStuckCounts(): void {
  metrics().stuckExecutions.reset();
}
const globalForMetrics = globalThis as unknown as { runwatchMetrics?: Metrics };

export function metrics(): Metrics {
  globalForMetrics.runwatchMetrics ??= createMetrics();
  return globalForMetrics.runwatchMetrics;
}
