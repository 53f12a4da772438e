// Statuses of CONTRACT.md §1: kinds, ranks and the input aliases.

export const STATUSES = [
  "PENDING",
  "SCHEDULED",
  "RUNNING",
  "WAITING",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMED_OUT",
  "CONTINUED_AS_NEW",
] as const;

export type Status = (typeof STATUSES)[number];

export const ACTIVE_STATUSES = ["PENDING", "SCHEDULED", "RUNNING", "WAITING"] as const satisfies readonly Status[];
export const TERMINAL_STATUSES = ["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT", "CONTINUED_AS_NEW"] as const satisfies readonly Status[];

export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export const RANK: Record<Status, number> = {
  PENDING: 0,
  SCHEDULED: 1,
  RUNNING: 2,
  WAITING: 2,
  COMPLETED: 3,
  FAILED: 3,
  CANCELLED: 3,
  TIMED_OUT: 3,
  CONTINUED_AS_NEW: 3,
};

export function isTerminal(status: Status): status is TerminalStatus {
  return RANK[status] === 3;
}

export function isActive(status: Status): status is ActiveStatus {
  return !isTerminal(status);
}

const ALIASES: Record<string, Status> = {
  requested: "PENDING",
  queued: "PENDING",
  created: "PENDING",
  scheduling: "PENDING",
  started: "RUNNING",
  paused: "WAITING",
  succeeded: "COMPLETED",
  success: "COMPLETED",
  done: "COMPLETED",
  error: "FAILED",
  errored: "FAILED",
  canceled: "CANCELLED",
  timeout: "TIMED_OUT",
  timedout: "TIMED_OUT",
  continuedasnew: "CONTINUED_AS_NEW",
  continued_as_new: "CONTINUED_AS_NEW",
};

/** Every value accepted on input, for error messages. */
export const ACCEPTED_STATUS_INPUTS: readonly string[] = [...STATUSES, ...Object.keys(ALIASES)];

/** Canonical status for an input value (case-insensitive, aliases allowed), or null. */
export function parseStatus(input: string): Status | null {
  const lower = input.trim().toLowerCase();
  const canonical = STATUSES.find((s) => s.toLowerCase() === lower);
  // own properties only: "constructor" or "__proto__" must not resolve to Object's members
  return canonical ?? (Object.hasOwn(ALIASES, lower) ? ALIASES[lower]! : null);
}

export function invalidStatusMessage(value: unknown): string {
  return `status ${JSON.stringify(value)} is not valid; accepted values: ${ACCEPTED_STATUS_INPUTS.join(", ")} (case-insensitive)`;
}
