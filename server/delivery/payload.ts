// The bodies channels receive (CONTRACT.md §5), built once when the notification is queued so
// every retry sends the same message. Plain functions of plain data.
import { config, type Config } from "../config";
import type { AlertReason, Resolution } from "../alerts/rules";

export type AlertFacts = {
  id: string;
  orgSlug: string;
  executionId: string | null;
  workflow: string;
  status: string | null;
  reason: AlertReason;
  since: Date;
  resolvedAt?: Date | null;
  resolution?: Resolution | null;
  failureRate?: { failed: number; total: number; percent: number; thresholdPercent: number; windowSeconds: number } | null;
  /** a missed-run alert: the first missed slot and how many in a row */
  missed?: { slot: Date; count: number } | null;
};

export type AlertMessage = {
  type: "alert.firing" | "alert.resolved";
  alert: {
    id: string;
    executionId: string | null;
    workflow: string;
    status: string | null;
    reason: AlertReason;
    since: string;
    url: string;
    resolvedAt?: string;
    resolution?: Resolution;
    failureRate?: AlertFacts["failureRate"];
    /** missed runs (CONTRACT.md §5): the first missed slot, and how many slots in a row */
    slot?: string;
    count?: number;
  };
};

export type StormMessage = {
  type: "alert.storm" | "alert.storm.resolved";
  storm: {
    id: string;
    workflow: string;
    count: number;
    windowSeconds: number;
    url: string;
    /** the first alerts of the storm, oldest first */
    alerts: { id: string; executionId: string | null; status: string | null; reason: AlertReason; since: string; url: string }[];
  };
};

export type TestMessage = { type: "test"; message: string; channel: { id: string; name: string }; sentAt: string };

export type Message = AlertMessage | StormMessage | TestMessage;

/** Every Message type, as notifications.type's CHECK constraint lists them (migration 20261201134000). */
export const NOTIFICATION_TYPES = ["alert.firing", "alert.resolved", "alert.storm", "alert.storm.resolved", "test"] as const satisfies readonly Message["type"][];

export const STORM_SAMPLE_SIZE = 10;

export function isStormMessage(m: Message): m is StormMessage {
  return m.type === "alert.storm" || m.type === "alert.storm.resolved";
}

export function publicBaseUrl(c: Pick<Config, "RUNWATCH_PUBLIC_URL" | "PORT"> = config()): string {
  const explicit = c.RUNWATCH_PUBLIC_URL?.replace(/\/+$/, "");
  return explicit || `http://localhost:${c.PORT}`;
}

export function alertUrl(base: string, orgSlug: string, alertId: string): string {
  return `${base}/o/${encodeURIComponent(orgSlug)}/alerts?alert=${encodeURIComponent(alertId)}`;
}

export function alertMessage(type: AlertMessage["type"], a: AlertFacts, base: string): AlertMessage {
  const alert: AlertMessage["alert"] = {
    id: a.id,
    executionId: a.executionId,
    workflow: a.workflow,
    status: a.status,
    reason: a.reason,
    since: a.since.toISOString(),
    url: alertUrl(base, a.orgSlug, a.id),
  };
  if (type === "alert.resolved") {
    if (a.resolvedAt) alert.resolvedAt = a.resolvedAt.toISOString();
    if (a.resolution) alert.resolution = a.resolution;
  }
  if (a.failureRate) alert.failureRate = a.failureRate;
  if (a.missed) {
    alert.slot = a.missed.slot.toISOString();
    alert.count = a.missed.count;
  }
  return { type, alert };
}

export function stormMessage(
  type: StormMessage["type"],
  s: { id: string; orgSlug: string; workflow: string; count: number; windowSeconds: number; first: AlertFacts[] },
  base: string,
): StormMessage {
  return {
    type,
    storm: {
      id: s.id,
      workflow: s.workflow,
      count: s.count,
      windowSeconds: s.windowSeconds,
      url: `${base}/o/${encodeURIComponent(s.orgSlug)}/alerts?workflow=${encodeURIComponent(s.workflow)}`,
      alerts: s.first.slice(0, STORM_SAMPLE_SIZE).map((a) => ({
        id: a.id,
        executionId: a.executionId,
        status: a.status,
        reason: a.reason,
        since: a.since.toISOString(),
        url: alertUrl(base, s.orgSlug, a.id),
      })),
    },
  };
}

const REASON_TEXT: Record<AlertReason, string> = {
  scheduled: "stuck in SCHEDULED",
  running: "RUNNING without a sign of life",
  failure_rate: "failure rate over its limit",
  missed: "expected execution missed",
};

/** One line for people (Slack text, email subject). */
export function summaryLine(m: Message): string {
  if (m.type === "test") return `Runwatch test message for channel "${m.channel.name}"`;
  if (isStormMessage(m) && m.type === "alert.storm") return `Runwatch: ${m.storm.count} executions of ${m.storm.workflow} stuck within ${Math.round(m.storm.windowSeconds / 60)} min`;
  if (isStormMessage(m)) return `Runwatch: the storm of ${m.storm.workflow} (${m.storm.count} executions) is over`;
  const a = m.alert;
  const what =
    a.reason === "missed"
      ? `${a.workflow}: ${REASON_TEXT[a.reason]} (slot ${a.slot}${a.count && a.count > 1 ? `, ${a.count} in a row` : ""})`
      : a.reason === "failure_rate"
        ? `${a.workflow}: ${REASON_TEXT[a.reason]}`
        : `${a.workflow} / ${a.executionId}: ${REASON_TEXT[a.reason]}`;
  return m.type === "alert.firing" ? `Runwatch alert: ${what} since ${a.since}` : `Runwatch resolved: ${what} (${a.resolution ?? "resolved"})`;
}

/** A few lines for people (Slack, email body). */
export function detailText(m: Message): string {
  if (m.type === "test") return `${m.message}\nSent ${m.sentAt}.`;
  if (isStormMessage(m)) {
    const lines = m.storm.alerts.map((a) => `• ${a.executionId ?? a.id} (${a.status ?? "?"}, since ${a.since}) ${a.url}`);
    const more = m.storm.count > m.storm.alerts.length ? `\n… and ${m.storm.count - m.storm.alerts.length} more` : "";
    return `${summaryLine(m)}\n${lines.join("\n")}${more}\n${m.storm.url}`;
  }
  const a = m.alert;
  const rate = a.failureRate ? `\n${a.failureRate.failed} of ${a.failureRate.total} failed (${a.failureRate.percent}%) in ${a.failureRate.windowSeconds / 60} min; limit ${a.failureRate.thresholdPercent}%` : "";
  return `${summaryLine(m)}\nStatus: ${a.status ?? "n/a"}${rate}\n${a.url}`;
}
