// The executions row as hand-written SQL reads it, and its mapping to the lifecycle state.
import type { ExecutionState } from "./lifecycle";
import type { Status } from "./status";

export const EXECUTION_COLUMNS = `e.id, e."executionId", e."workflowId", e.status, e.attempt, e."statusAttempt", e."statusEventId",
  e."statusChangedAt", e."createdAt", e."scheduledAt", e."startedAt", e."lastHeartbeatAt", e."lastEventAt", e."completedAt",
  e."durationMs", e.error, e."errorAt", e."errorEventId", e.output, e.input, e.metadata, e."continuedFromId",
  e."continuedAsNewToId", e."parentExecutionId"`;

export type ExecutionStateRow = {
  id: string;
  executionId: string;
  workflowId: string;
  status: Status;
  attempt: number;
  statusAttempt: number;
  statusEventId: string | null;
  statusChangedAt: Date;
  createdAt: Date;
  scheduledAt: Date | null;
  startedAt: Date | null;
  lastHeartbeatAt: Date | null;
  lastEventAt: Date;
  completedAt: Date | null;
  durationMs: string | null;
  error: unknown;
  errorAt: Date | null;
  errorEventId: string | null;
  output: unknown;
  input: unknown;
  metadata: Record<string, string> | null;
  continuedFromId: string | null;
  continuedAsNewToId: string | null;
  parentExecutionId: string | null;
};

export function stateOf(row: ExecutionStateRow): ExecutionState {
  return {
    status: row.status,
    attempt: row.attempt,
    statusAttempt: row.statusAttempt,
    statusEventId: row.statusEventId,
    createdAt: row.createdAt,
    statusChangedAt: row.statusChangedAt,
    scheduledAt: row.scheduledAt,
    startedAt: row.startedAt,
    lastHeartbeatAt: row.lastHeartbeatAt,
    lastEventAt: row.lastEventAt,
    completedAt: row.completedAt,
    durationMs: row.durationMs === null ? null : Number(row.durationMs),
    error: row.error,
    errorAt: row.errorAt,
    errorEventId: row.errorEventId,
    output: row.output,
    continuedAsNewToId: row.continuedAsNewToId,
  };
}
