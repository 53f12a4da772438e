// GENERATED from server/openapi/schemas.ts by `npm run gen:sdk-types`; do not edit.
// tests/unit/sdk-types.test.ts fails when this file and the server's schemas differ.

/** One lifecycle event. `status` also accepts the aliases of CONTRACT §1, case-insensitive. A heartbeat (type heartbeat) may leave out eventId. */
export type RunwatchEvent = {
  eventId?: string;
  executionId: string;
  workflow?: string;
  type?: "status" | "heartbeat";
  status?: string;
  occurredAt?: string;
  attempt?: number;
  error?: string | {
    message: string;
    code?: string | number;
    stack?: string;
  };
  input?: unknown;
  output?: unknown;
  continuedAsNewTo?: string;
  parentExecutionId?: string;
  metadata?: {
    [key: string]: string;
  };
};

/** What became of one event; `status` is the execution's status afterwards */
export type EventResult = {
  eventId: string | null;
  outcome: Outcome;
  status: Status | null;
  reason?: string | null;
};

export type Outcome = "applied" | "duplicate" | "stale" | "rejected" | "deferred" | "invalid";

/** An execution's status (CONTRACT §1) */
export type Status = "PENDING" | "SCHEDULED" | "RUNNING" | "WAITING" | "COMPLETED" | "FAILED" | "CANCELLED" | "TIMED_OUT" | "CONTINUED_AS_NEW";

export type EventsResponse = {
  results: Array<EventResult>;
};

export type Execution = {
  executionId: string;
  workflow: string;
  status: Status;
  attempt: number;
  createdAt: string;
  scheduledAt: string | null;
  startedAt: string | null;
  lastHeartbeatAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  error: {
    message: string;
    code?: string | number;
    stack?: string;
  } | null;
  stuck: boolean;
  stuckReason: "scheduled" | "running" | null;
  stuckSince?: string | null;
  continuedFrom: string | null;
  continuedAsNewTo: string | null;
  currentExecutionId: string;
  parentExecutionId?: string | null;
  metadata?: {
    [key: string]: string;
  } | null;
  updatedAt?: string;
  input?: unknown;
  output?: unknown;
};

/** Newest first; pass nextCursor as cursor for the next page */
export type ExecutionList = {
  items: Array<Execution>;
  nextCursor: string | null;
};

/** The execution's events by occurredAt; heartbeats compacted to one item per attempt */
export type Timeline = {
  items: Array<{
    eventId: string;
    type: "status";
    status: Status;
    attempt: number;
    occurredAt: string;
    receivedAt: string;
    outcome: Outcome;
    reason: string | null;
    repeats: number;
    /** how long a deferred event waited for its execution (CONTRACT §1 rule 9) */
    waitedMs?: number | null;
  } | {
    type: "heartbeat";
    attempt: number;
    count: number;
    firstOccurredAt: string;
    lastOccurredAt: string;
  }>;
  nextCursor: string | null;
};

export type Workflow = {
  key: string;
  name: string;
  executionCount: number;
  successCount: number;
  failureCount: number;
  cancelledCount: number;
  stuckScheduledAfterSeconds: number;
  stuckRunningAfterSeconds: number;
  schedule?: Schedule;
  scheduleSetAt?: string | null;
  overrides?: {
    stuckScheduledAfterSeconds: boolean;
    stuckRunningAfterSeconds: boolean;
  };
  lastExecutionAt?: string | null;
  createdAt?: string;
};

/** when executions are expected (CONTRACT §2); null: no schedule */
export type Schedule = {
  cron: string;
  timezone: string;
  graceSeconds: number;
} | {
  everySeconds: number;
} | null;

export type ApiError = {
  /** what to send instead */
  error: string;
  /** machine-readable; the answer's description lists the codes each status carries */
  code?: "INVALID_JSON" | "INVALID_BODY" | "INVALID_EVENT" | "INVALID_QUERY" | "INVALID_CURSOR" | "INVALID_TEXT" | "INVALID_PATH" | "BAD_REQUEST" | "API_KEY_MISSING" | "API_KEY_INVALID" | "FORBIDDEN" | "EXECUTION_NOT_FOUND" | "WORKFLOW_NOT_FOUND" | "ROUTE_NOT_FOUND" | "NOT_FOUND" | "METHOD_NOT_ALLOWED" | "STATUS_CONFLICT" | "CONFLICT" | "PAYLOAD_TOO_LARGE" | "RATE_LIMITED" | "DATABASE_UNAVAILABLE" | "INTERNAL_ERROR";
  /** where the bad text is (INVALID_TEXT) */
  field?: string;
  currentStatus?: Status | null;
  results?: Array<EventResult>;
  requestId?: string;
};
