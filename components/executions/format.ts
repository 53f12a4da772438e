// Display formatting for executions, pure so it is unit-tested without a browser.
import type { Status } from "@/server/executions/status";

export const STATUS_LABELS: Record<Status, string> = {
  PENDING: "Pending",
  SCHEDULED: "Scheduled",
  RUNNING: "Running",
  WAITING: "Waiting",
  COMPLETED: "Completed",
  FAILED: "Failed",
  CANCELLED: "Cancelled",
  TIMED_OUT: "Timed out",
  CONTINUED_AS_NEW: "Continued as new",
};

/** "850 ms", "12.3 s", "4m 05s", "2h 03m", "3d 04h"; "—" when there is no duration yet. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) {
    const s = ms / 1_000;
    return s < 10 ? `${s.toFixed(1)} s` : `${Math.floor(s)} s`;
  }
  const totalSeconds = Math.floor(ms / 1_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  if (totalSeconds < 3_600) return `${Math.floor(totalSeconds / 60)}m ${pad(totalSeconds % 60)}s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 24 * 60) return `${Math.floor(totalMinutes / 60)}h ${pad(totalMinutes % 60)}m`;
  const totalHours = Math.floor(totalMinutes / 60);
  return `${Math.floor(totalHours / 24)}d ${pad(totalHours % 24)}h`;
}

/** The instant in the viewer's time zone (or the one given), e.g. "Nov 23, 2026, 14:05:09". */
export function formatLocalDateTime(date: Date, timeZone?: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).format(date);
}

/** The same instant in UTC, for the hover title: "2026-11-23 13:05:09 UTC". */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** A span as people say it: "45 s", "12 min", "3 h 05 min", "2 d 04 h". */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.floor(h / 24)} d ${String(h % 24).padStart(2, "0")} h`;
}

/** "stuck in Scheduled for 12 min"; null when the execution is not stuck. */
export function stuckLabel(reason: "scheduled" | "running" | null, since: Date | string | null, now: Date): string | null {
  if (!reason) return null;
  const stage = reason === "scheduled" ? STATUS_LABELS.SCHEDULED : STATUS_LABELS.RUNNING;
  if (!since) return `stuck in ${stage}`;
  const at = typeof since === "string" ? new Date(since) : since;
  return `stuck in ${stage} for ${formatAge(now.getTime() - at.getTime())}`;
}

/** 0.9734 → "97.3%"; null → "—". */
export function formatPercent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return "—";
  return `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 1)}%`;
}

/** How long ago, as people say it: "just now", "45 s ago", "3 min ago", "2 h ago", "4 d ago". */
export function formatRelative(date: Date, now: Date): string {
  const ms = now.getTime() - date.getTime();
  // a clock a few seconds ahead of ours is "just now", not "in 2 s"
  if (ms < 5_000) return "just now";
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/** The execution page's link; the list's own query string rides along, so its back link returns to it. */
export function executionHref(orgSlug: string, executionId: string, listQuery?: string): string {
  const base = `/o/${encodeURIComponent(orgSlug)}/executions/${encodeURIComponent(executionId)}`;
  return listQuery ? `${base}?from=${encodeURIComponent(listQuery)}` : base;
}
