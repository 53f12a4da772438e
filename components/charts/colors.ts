import type { Status } from "@/server/executions/status";

/** One color per status, the same hue as its badge, readable on white and on zinc-950. */
export const STATUS_COLORS: Record<Status, string> = {
  PENDING: "#a1a1aa",
  SCHEDULED: "#0ea5e9",
  RUNNING: "#3b82f6",
  WAITING: "#f59e0b",
  COMPLETED: "#10b981",
  FAILED: "#ef4444",
  CANCELLED: "#78716c",
  TIMED_OUT: "#f97316",
  CONTINUED_AS_NEW: "#8b5cf6",
};
