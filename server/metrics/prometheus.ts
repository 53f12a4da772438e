// Prometheus metrics of this process (GET /api/metrics). One registry per process, kept on
// globalThis so Next's module reloading in development does not register a metric twice.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "runwatch_process_" });
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
      help: "Executions stuck at the last sweep, by reason",
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
      help: "Alert notification delivery attempts, by channel type and result",
      labelNames: ["channel", "result"] as const,
      registers: [registry],
    }),
  };
}

type Metrics = ReturnType<typeof createMetrics>;
const globalForMetrics = globalThis as unknown as { runwatchMetrics?: Metrics };

export function metrics(): Metrics {
  globalForMetrics.runwatchMetrics ??= createMetrics();
  return globalForMetrics.runwatchMetrics;
}
