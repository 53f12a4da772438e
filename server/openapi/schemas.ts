// The wire shapes of /api/v1 as zod schemas: one source for the OpenAPI document
// (server/openapi/document.ts), the SDK's types (sdk/src/api-types.ts, generated from these by
// `npm run gen:sdk-types`, a unit test fails on drift) and the tests that validate recorded
// responses. Request bodies are the very schemas the routes validate with (imported); answers
// are described here, since the routes build them from typed rows rather than parse them.
import { z } from "zod";
import { STATUSES } from "../executions/status";
import { MAX_EVENTS_PER_BATCH, rawEventSchema } from "../ingest/event-schema";
import { scheduleOutputSchema } from "../workflows/schedule";
import { workflowPatchSchema } from "../workflows/service";

const dateTime = z.iso.datetime({ offset: true });

export const statusSchema = z.enum(STATUSES).meta({ id: "Status", description: "An execution's status (CONTRACT §1)" });

/** One event as POST /api/v1/events takes it (the route validates with rawEventSchema). */
export const eventSchema = rawEventSchema.meta({
  id: "RunwatchEvent",
  description:
    "One lifecycle event. `status` also accepts the aliases of CONTRACT §1, case-insensitive. A heartbeat (type heartbeat) may leave out eventId.",
});

export const eventsBodySchema = z
  .union([eventSchema, z.object({ events: z.array(eventSchema).min(1).max(MAX_EVENTS_PER_BATCH) })])
  .meta({ id: "EventsBody", description: "One event, or a batch of 1–1000 in input order" });

export const outcomeSchema = z.enum(["applied", "duplicate", "stale", "rejected", "deferred", "invalid"]).meta({ id: "Outcome" });

export const eventResultSchema = z
  .object({
    eventId: z.string().nullable(),
    outcome: outcomeSchema,
    status: statusSchema.nullable(),
    reason: z.string().nullable().optional(),
  })
  .meta({ id: "EventResult", description: "What became of one event; `status` is the execution's status afterwards" });

export const eventsResponseSchema = z.object({ results: z.array(eventResultSchema) }).meta({ id: "EventsResponse" });

export const errorObjectSchema = z.object({ message: z.string(), code: z.union([z.string(), z.number()]).optional(), stack: z.string().optional() });

export const executionSchema = z
  .object({
    executionId: z.string(),
    workflow: z.string(),
    status: statusSchema,
    attempt: z.int().min(1),
    createdAt: dateTime,
    scheduledAt: dateTime.nullable(),
    startedAt: dateTime.nullable(),
    lastHeartbeatAt: dateTime.nullable(),
    completedAt: dateTime.nullable(),
    durationMs: z.number().min(0).nullable(),
    error: z.union([errorObjectSchema, z.null()]),
    stuck: z.boolean(),
    stuckReason: z.enum(["scheduled", "running"]).nullable(),
    stuckSince: dateTime.nullable().optional(),
    continuedFrom: z.string().nullable(),
    continuedAsNewTo: z.string().nullable(),
    currentExecutionId: z.string(),
    parentExecutionId: z.string().nullable().optional(),
    metadata: z.record(z.string(), z.string()).nullable().optional(),
    updatedAt: dateTime.optional(),
    input: z.unknown().optional(),
    output: z.unknown().optional(),
  })
  .meta({ id: "Execution" });

export const executionListSchema = z
  .object({ items: z.array(executionSchema), nextCursor: z.string().nullable() })
  .meta({ id: "ExecutionList", description: "Newest first; pass nextCursor as cursor for the next page" });

export const statusWriteBodySchema = z
  .strictObject({
    status: z.string().meta({ description: "a status or an alias (CONTRACT §1)" }),
    occurredAt: dateTime.optional(),
    eventId: z.string().min(1).max(128).optional(),
    error: rawEventSchema.shape.error,
    output: z.unknown().optional(),
    attempt: z.int().min(1).optional(),
  })
  .meta({ id: "StatusWrite" });

export const statusWriteResponseSchema = executionSchema
  .extend({ outcome: z.enum(["applied", "duplicate"]) })
  .meta({ id: "StatusWriteResult" });

export const statusTimelineItemSchema = z.object({
  eventId: z.string(),
  type: z.literal("status"),
  status: statusSchema,
  attempt: z.int().min(1),
  occurredAt: dateTime,
  receivedAt: dateTime,
  outcome: outcomeSchema,
  reason: z.string().nullable(),
  repeats: z.int().min(0),
  waitedMs: z.number().min(0).nullable().optional().meta({ description: "how long a deferred event waited for its execution (CONTRACT §1 rule 9)" }),
});

export const heartbeatTimelineItemSchema = z.object({
  type: z.literal("heartbeat"),
  attempt: z.int().min(1),
  count: z.int().min(1),
  firstOccurredAt: dateTime,
  lastOccurredAt: dateTime,
});

export const timelineSchema = z
  .object({ items: z.array(z.union([statusTimelineItemSchema, heartbeatTimelineItemSchema])), nextCursor: z.string().nullable() })
  .meta({ id: "Timeline", description: "The execution's events by occurredAt; heartbeats compacted to one item per attempt" });

export const scheduleSchema = scheduleOutputSchema.meta({ id: "Schedule", description: "when executions are expected (CONTRACT §2); null: no schedule" });

export const workflowSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    executionCount: z.int().min(0),
    successCount: z.int().min(0),
    failureCount: z.int().min(0),
    cancelledCount: z.int().min(0),
    stuckScheduledAfterSeconds: z.int().min(1),
    stuckRunningAfterSeconds: z.int().min(1),
    schedule: scheduleSchema.optional(),
    scheduleSetAt: dateTime.nullable().optional(),
    overrides: z.object({ stuckScheduledAfterSeconds: z.boolean(), stuckRunningAfterSeconds: z.boolean() }).optional(),
    lastExecutionAt: dateTime.nullable().optional(),
    createdAt: dateTime.optional(),
  })
  .meta({ id: "Workflow" });

export const workflowPatchBodySchema = workflowPatchSchema.meta({ id: "WorkflowPatch" });

/** The machine-readable error codes of /api/v1 (README, "Error codes"). */
export const ERROR_CODES = [
  "INVALID_JSON",
  "INVALID_BODY",
  "INVALID_EVENT",
  "INVALID_QUERY",
  "INVALID_CURSOR",
  "INVALID_TEXT",
  "INVALID_PATH",
  "BAD_REQUEST",
  "API_KEY_MISSING",
  "API_KEY_INVALID",
  "FORBIDDEN",
  "EXECUTION_NOT_FOUND",
  "WORKFLOW_NOT_FOUND",
  "ROUTE_NOT_FOUND",
  "NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "STATUS_CONFLICT",
  "CONFLICT",
  "PAYLOAD_TOO_LARGE",
  "RATE_LIMITED",
  "DATABASE_UNAVAILABLE",
  "INTERNAL_ERROR",
] as const;

export const apiErrorSchema = z
  .object({
    error: z.string().meta({ description: "what to send instead" }),
    code: z.enum(ERROR_CODES).optional().meta({ description: "machine-readable; the answer's description lists the codes each status carries" }),
    field: z.string().optional().meta({ description: "where the bad text is (INVALID_TEXT)" }),
    currentStatus: statusSchema.nullable().optional(),
    results: z.array(eventResultSchema).optional(),
    requestId: z.string().optional(),
  })
  .meta({ id: "ApiError" });

export const healthSchema = z.object({ status: z.string() }).meta({ id: "Health" });

/** The schemas the SDK's types are generated from; each exports under its meta id. */
export const SDK_TYPES = [eventSchema, eventResultSchema, eventsResponseSchema, executionSchema, executionListSchema, timelineSchema, workflowSchema, apiErrorSchema];
