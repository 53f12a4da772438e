// Reads of executions for the HTTP API and the UI. Stuck is computed in SQL by the one stuck rule
// builder of server/executions/stuck.ts, so lists can filter on it; the SQL is in ./queries.ts.
import type { ReadContext } from "../context";
import { primaryFor, replicaFor } from "../db/client";
import { encodeCursor, type Keyset } from "../paging/cursor";
import type { Queryable } from "../db/sql";
import { COUNT_CAP } from "../paging/limits";
import type { ExecutionFilter } from "./filters";
import type { Cursor, ListPage } from "./list-sql";
import {
  cappedExecutionCount,
  executionListPage,
  executionTargetPage,
  executionTargetsByIds,
  executionViewPage,
  executionWithBody,
  latestExecutionIdOf,
  type ExecutionListDbRow,
  type ExecutionTargetRow,
  type ExecutionViewRow,
} from "./queries";
import type { Status } from "./status";

// where the other capabilities' SQL has taken the stuck rule's fragments from
export { STUCK_REASON_SQL, STUCK_SINCE_SQL } from "./stuck";

export type { Cursor, ListPage } from "./list-sql";

export type ExecutionView = {
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
  error: unknown;
  stuck: boolean;
  stuckReason: "scheduled" | "running" | null;
  stuckSince: string | null;
  continuedFrom: string | null;
  continuedAsNewTo: string | null;
  currentExecutionId: string;
  parentExecutionId: string | null;
  metadata: Record<string, string> | null;
  updatedAt: string;
  input?: unknown;
  output?: unknown;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toView(r: ExecutionViewRow): ExecutionView {
  return {
    executionId: r.executionId,
    workflow: r.workflow,
    status: r.status,
    attempt: r.attempt,
    createdAt: r.createdAt.toISOString(),
    scheduledAt: iso(r.scheduledAt),
    startedAt: iso(r.startedAt),
    lastHeartbeatAt: iso(r.lastHeartbeatAt),
    completedAt: iso(r.completedAt),
    durationMs: r.durationMs,
    error: r.error ?? null,
    stuck: r.stuckReason !== null,
    stuckReason: r.stuckReason,
    stuckSince: r.stuckReason ? iso(r.stuckSince) : null,
    continuedFrom: r.continuedFromId,
    continuedAsNewTo: r.continuedAsNewToId,
    currentExecutionId: r.currentExecutionId,
    parentExecutionId: r.parentExecutionId,
    metadata: r.metadata,
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** One execution with its input and output, or null (unknown here, or another organization's). */
export async function getExecution(ctx: ReadContext, executionId: string): Promise<ExecutionView | null> {
  const row = await executionWithBody(primaryFor(ctx), ctx.orgId, executionId);
  return row ? { ...toView(row), input: row.input ?? null, output: row.output ?? null } : null;
}

/** A position of the paging codec (server/paging/cursor.ts) as the list query takes it. */
export function listPosition(k: Keyset): Cursor {
  return { createdAt: k.at, id: k.id };
}

/** Matching executions counted exactly up to `cap`; `capped` means "more than cap". */
export async function countExecutionsCapped(
  ctx: ReadContext,
  filter: ExecutionFilter,
  opts: { cap?: number; afterId?: string | null } = {},
): Promise<{ count: number; capped: boolean }> {
  const cap = opts.cap ?? COUNT_CAP;
  const n = await cappedExecutionCount(replicaFor(ctx), ctx.orgId, filter, cap, opts.afterId ?? null);
  return n > cap ? { count: cap, capped: true } : { count: n, capped: false };
}

/** The newest execution id of an organization: the high-water mark of a list snapshot. */
export async function latestExecutionId(ctx: ReadContext): Promise<string | null> {
  return latestExecutionIdOf(primaryFor(ctx), ctx.orgId);
}

const PAGES = { view: executionViewPage, row: executionListPage };
type PageRow = { view: ExecutionViewRow; row: ExecutionListDbRow };

/**
 * The one list: matching executions, newest first, keyset-paginated, as full views (REST) or light
 * rows (the dashboard). The next cursor pins the page's snapshot, if it has one.
 */
export async function listExecutionPage<K extends keyof PageRow>(
  ctx: ReadContext,
  shape: K,
  filter: ExecutionFilter,
  page: ListPage,
): Promise<{ rows: PageRow[K][]; nextCursor: string | null }> {
  const read = PAGES[shape] as (db: Queryable, orgId: string, f: ExecutionFilter, p: ListPage) => Promise<PageRow[K][]>;
  const all = await read(replicaFor(ctx), ctx.orgId, filter, page);
  const rows = all.slice(0, page.limit);
  const last = rows[rows.length - 1];
  const at = last ? { at: last.createdAt.toISOString(), id: last.id } : null;
  const nextCursor = all.length > page.limit && at ? encodeCursor(page.snapshotId ? { ...at, snapshotId: page.snapshotId } : at) : null;
  return { rows, nextCursor };
}

export type ExecutionPage = { items: ExecutionView[]; nextCursor: string | null };

/** GET /api/v1/executions: full views, newest first, keyset-paginated. */
export async function listExecutions(ctx: ReadContext, filter: ExecutionFilter, page: Pick<ListPage, "limit" | "cursor">): Promise<ExecutionPage> {
  const { rows, nextCursor } = await listExecutionPage(ctx, "view", filter, { limit: page.limit, cursor: page.cursor });
  return { items: rows.map(toView), nextCursor };
}

/** A bulk job's chunk of chosen ids: those with one of these statuses, as it acts on them, newest first. */
export async function listExecutionTargetsByIds(ctx: ReadContext, executionIds: readonly string[], statuses: readonly string[]): Promise<ExecutionTargetRow[]> {
  return executionTargetsByIds(primaryFor(ctx), ctx.orgId, executionIds, statuses);
}

/** A bulk job's chunk: matching executions as it acts on them, newest first, up to limit + 1. */
export async function listExecutionTargets(ctx: ReadContext, filter: ExecutionFilter, page: ListPage): Promise<ExecutionTargetRow[]> {
  return executionTargetPage(replicaFor(ctx), ctx.orgId, filter, page);
}
