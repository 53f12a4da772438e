// Validation of one incoming event (CONTRACT.md §3). Each event is validated on its own so that
// one bad event in a batch is answered `invalid` without spoiling its neighbours.
import { z } from "zod";
import { badTextProblem, findBadText } from "../guard";
import { invalidStatusMessage, parseStatus, type Status } from "../executions/status";

export const MAX_JSON_FIELD_BYTES = 64 * 1024;
export const MAX_EVENTS_PER_BATCH = 1000;
export const MAX_METADATA_PAIRS = 20;

const jsonSizeOk = (v: unknown) => v === undefined || Buffer.byteLength(JSON.stringify(v) ?? "", "utf8") <= MAX_JSON_FIELD_BYTES;

const errorSchema = z.union([
  z.string().max(MAX_JSON_FIELD_BYTES).transform((message) => ({ message })),
  z.object({
    message: z.string().max(MAX_JSON_FIELD_BYTES),
    code: z.union([z.string().max(200), z.number()]).optional(),
    stack: z.string().max(MAX_JSON_FIELD_BYTES).optional(),
  }),
]);

const statusSchema = z.string().transform((value, ctx): Status => {
  const status = parseStatus(value);
  if (!status) {
    ctx.addIssue({ code: "custom", message: invalidStatusMessage(value) });
    return z.NEVER;
  }
  return status;
});

const timestampSchema = z.iso
  .datetime({ offset: true, precision: undefined, error: "must be an ISO-8601 date-time with a time zone, e.g. 2026-01-31T12:00:00Z" })
  .transform((s) => new Date(s));

export const rawEventSchema = z
  .object({
    // required, except on heartbeats: repeating a heartbeat changes nothing (compacted per attempt)
    eventId: z.string({ error: "eventId is required (a string of at most 128 characters)" }).min(1).max(128).optional(),
    executionId: z.string({ error: "executionId is required (a string of at most 200 characters)" }).min(1).max(200),
    workflow: z.string().min(1).max(200).optional(),
    type: z.enum(["status", "heartbeat"], { error: 'type must be "status" or "heartbeat"' }).default("status"),
    status: statusSchema.optional(),
    occurredAt: timestampSchema.optional(),
    attempt: z.number({ error: "attempt must be an integer ≥ 1" }).int().min(1).max(1_000_000).default(1),
    error: errorSchema.optional(),
    input: z.unknown().refine(jsonSizeOk, "input must be at most 64 KiB of JSON").optional(),
    output: z.unknown().refine(jsonSizeOk, "output must be at most 64 KiB of JSON").optional(),
    continuedAsNewTo: z.string().min(1).max(200).optional(),
    parentExecutionId: z.string().min(1).max(200).optional(),
    metadata: z
      .record(z.string().max(200), z.string({ error: "metadata values must be strings" }).max(2000))
      .refine((m) => Object.keys(m).length <= MAX_METADATA_PAIRS, `metadata holds at most ${MAX_METADATA_PAIRS} pairs`)
      .optional(),
  })
  .superRefine((e, ctx) => {
    if (e.type === "status" && e.eventId === undefined) {
      ctx.addIssue({ code: "custom", path: ["eventId"], message: "eventId is required (a string of at most 128 characters); only heartbeats may leave it out" });
    }
    if (e.type === "status" && e.status === undefined) {
      ctx.addIssue({ code: "custom", path: ["status"], message: "status is required for status events; " + invalidStatusMessage(undefined).replace(/^status undefined is not valid; /, "") });
    }
    if (e.continuedAsNewTo !== undefined && e.status !== "CONTINUED_AS_NEW") {
      ctx.addIssue({ code: "custom", path: ["continuedAsNewTo"], message: "continuedAsNewTo is only allowed with status CONTINUED_AS_NEW" });
    }
    if (e.continuedAsNewTo !== undefined && e.continuedAsNewTo === e.executionId) {
      ctx.addIssue({ code: "custom", path: ["continuedAsNewTo"], message: "an execution cannot continue as itself" });
    }
  });

export type ValidEvent = z.infer<typeof rawEventSchema>;

/** Turns zod issues into one readable line that names the fields. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const field = i.path.join(".");
      const msg = i.message;
      return field && !msg.startsWith(field) ? `${field}: ${msg}` : msg;
    })
    .join("; ");
}

export type EventValidation = { ok: true; event: ValidEvent } | { ok: false; eventId: string | null; reason: string };

export function validateEvent(raw: unknown): EventValidation {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, eventId: null, reason: "an event must be a JSON object" };
  }
  const rawId = (raw as { eventId?: unknown }).eventId;
  const eventId = typeof rawId === "string" && !badTextProblem(rawId) ? rawId : null;
  // text PostgreSQL cannot store is this event's mistake, named by field, before any query
  const badText = findBadText(raw, "event");
  if (badText) return { ok: false, eventId, reason: badText.message };
  const parsed = rawEventSchema.safeParse(raw);
  if (parsed.success) return { ok: true, event: parsed.data };
  return { ok: false, eventId, reason: describeIssues(parsed.error) };
}
