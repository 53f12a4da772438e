// (In server/operations with operate.ts: both write through ingestion, which builds on
// server/executions, so they cannot live there without a cycle.)
// Operator actions on one execution: cancel it, or mark it failed, with a reason. Both go
// through ingestOne like any engine's event, so the lifecycle rules (a terminal status is final,
// counters move once) hold whoever wins a race, and both leave one audit entry per attempt, in
// the transaction of the change (server/rbac/audited.ts).
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { ServiceContext } from "../context";
import { BadRequestError, ConflictError, NotFoundError } from "../errors";
import { rawEventSchema } from "../ingest/event-schema";
import { ingestOne } from "../ingest/service";
import { audited } from "../rbac/audited";
import { getExecution } from "../executions/read";
import { isTerminal, type Status } from "../executions/status";

export const operateReasonSchema = z
  .string()
  .trim()
  .min(1, "a reason is required: say why, e.g. \"stuck after the worker pool was drained\"")
  .max(1000, "the reason must be at most 1000 characters");

/** Which execution, and why (the reason goes to the audit log and, for markFailed, to the execution's error). */
export type OperateInput = { executionId: string; reason: string };

export type OperateAction = "cancel" | "markFailed";

const ACTIONS: Record<OperateAction, { status: Status; audit: string }> = {
  cancel: { status: "CANCELLED", audit: "execution.cancel" },
  markFailed: { status: "FAILED", audit: "execution.mark_failed" },
};

export const OPERATE_AUDIT_ACTIONS = { cancel: ACTIONS.cancel.audit, markFailed: ACTIONS.markFailed.audit } as const;

export type OperateResult = { executionId: string; status: Status; previousStatus: Status };

async function operate(ctx: ServiceContext, action: OperateAction, input: OperateInput, now: Date): Promise<OperateResult> {
  const { executionId } = input;
  const reason = operateReasonSchema.parse(input.reason);
  const target = ACTIONS[action];
  const statusOf = (s: Status | null) => (s ? { status: s } : null);
  // one audit entry per attempt, in the transaction of the status change (or of the refusal)
  return audited(ctx, { action: target.audit, resourceType: "execution", resourceId: executionId }, async (client) => {
    const current = await getExecution({ orgId: ctx.orgId }, executionId);
    if (!current) {
      return { result: null as never, before: null, after: null, details: { reason, outcome: "not_found" }, refused: new NotFoundError(`execution "${executionId}" not found`) };
    }
    const conflictWith = (status: Status) =>
      new ConflictError(`execution "${executionId}" is already ${status}; only an active execution can be changed`, { details: { currentStatus: status } });
    if (isTerminal(current.status)) {
      return { result: null as never, before: statusOf(current.status), after: statusOf(current.status), details: { reason, outcome: "conflict" }, refused: conflictWith(current.status) };
    }

    const event = rawEventSchema.parse({
      eventId: `ui-${randomUUID()}`,
      executionId,
      type: "status",
      status: target.status,
      occurredAt: now.toISOString(),
      // the operator speaks for the attempt in progress, so the event is neither stale nor a retry
      attempt: current.attempt,
      ...(action === "markFailed" ? { error: { message: reason } } : {}),
    });
    const result = await ingestOne({ orgId: ctx.orgId, client }, { event, receivedAt: now });

    if (result.outcome === "applied") {
      const done: OperateResult = { executionId, status: result.status ?? target.status, previousStatus: current.status };
      return { result: done, before: statusOf(current.status), after: statusOf(result.status), details: { reason, eventId: event.eventId } };
    }
    if (result.outcome === "invalid") {
      const refused = new BadRequestError(result.reason ?? "the status change could not be stored");
      return { result: null as never, before: statusOf(current.status), after: statusOf(current.status), details: { reason, outcome: "invalid", eventId: event.eventId }, refused };
    }
    // another writer finished it between our read and our write: the lifecycle rules kept theirs
    const latest = result.status ?? (await getExecution({ orgId: ctx.orgId }, executionId))?.status ?? current.status;
    return { result: null as never, before: statusOf(current.status), after: statusOf(latest), details: { reason, outcome: result.outcome, eventId: event.eventId }, refused: conflictWith(latest) };
  });
}

export function cancelExecution(ctx: ServiceContext, input: OperateInput, now = new Date()): Promise<OperateResult> {
  return operate(ctx, "cancel", input, now);
}

export function markExecutionFailed(ctx: ServiceContext, input: OperateInput, now = new Date()): Promise<OperateResult> {
  return operate(ctx, "markFailed", input, now);
}
