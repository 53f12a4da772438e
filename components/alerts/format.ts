// Display words for alerts, pure so the list, the drawer and the execution page say the same thing.

export const ALERT_TABS = ["firing", "acknowledged", "resolved"] as const;
export type AlertTab = (typeof ALERT_TABS)[number];
export type AlertStateName = "FIRING" | "ACKNOWLEDGED" | "RESOLVED";

export const TAB_STATE: Record<AlertTab, AlertStateName> = { firing: "FIRING", acknowledged: "ACKNOWLEDGED", resolved: "RESOLVED" };
export const TAB_LABEL: Record<AlertTab, string> = { firing: "Firing", acknowledged: "Acknowledged", resolved: "Resolved" };

export const STATE_TONE: Record<AlertStateName, "danger" | "warning" | "success"> = { FIRING: "danger", ACKNOWLEDGED: "warning", RESOLVED: "success" };
export const STATE_LABEL: Record<AlertStateName, string> = { FIRING: "Firing", ACKNOWLEDGED: "Acknowledged", RESOLVED: "Resolved" };

export function reasonLabel(reason: string): string {
  switch (reason) {
    case "scheduled":
      return "Stuck in Scheduled";
    case "running":
      return "Running without a sign of life";
    case "failure_rate":
      return "Failure rate over the limit";
    case "missed":
      return "Missed run";
    default:
      return reason;
  }
}

const RESOLUTIONS: Record<string, string> = {
  moved_on: "the execution moved on",
  ended: "the execution ended",
  gone: "the execution is gone",
  timed_out: "marked TIMED_OUT by the monitor",
  manual: "resolved by hand",
  rate_recovered: "the rate dropped back",
  rule_disabled: "the rule was turned off",
  ran: "the next execution was created",
  schedule_changed: "the schedule changed",
  schedule_removed: "the schedule was removed",
};

export function resolutionLabel(resolution: string | null): string {
  return resolution ? (RESOLUTIONS[resolution] ?? resolution) : "";
}

const EVENT_KINDS: Record<string, string> = { fired: "Fired", acknowledged: "Acknowledged", resolved: "Resolved", timed_out: "Marked TIMED_OUT", note: "Note" };
export const eventLabel = (kind: string) => EVENT_KINDS[kind] ?? kind;


export const alertHref = (orgSlug: string, alertId: string, tab?: AlertTab) =>
  `/o/${orgSlug}/alerts?${tab ? `tab=${tab}&` : ""}alert=${encodeURIComponent(alertId)}`;

/** A missed-run alert's first missed slot and how many in a row (from its details), or null. */
export function missedSlotOf(details: unknown): { slot: string; count: number } | null {
  if (!details || typeof details !== "object") return null;
  const d = details as { slot?: unknown; count?: unknown };
  return typeof d.slot === "string" ? { slot: d.slot, count: typeof d.count === "number" ? d.count : 1 } : null;
}

/** The executions list opened at a time window of one workflow (from/to on createdAt, in the URL). */
export function executionsWindowHref(orgSlug: string, workflow: string, from: Date | string, to: Date | string): string {
  const iso = (d: Date | string) => (typeof d === "string" ? d : d.toISOString());
  const q = new URLSearchParams({ workflow, from: iso(from), to: iso(to) });
  return `/o/${orgSlug}/executions?${q.toString()}`;
}
