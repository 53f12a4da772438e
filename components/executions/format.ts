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
