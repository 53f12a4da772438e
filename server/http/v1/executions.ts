// GET /api/v1/executions, GET /api/v1/executions/{id}, GET …/{id}/events, PUT /api/v1/executions/{id}/status
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { describeIssues, rawEventSchema } from "../../ingest/event-schema";
import { ingestOne } from "../../ingest/service";
import type { ExecutionFilter } from "../../executions/filters";
import { getExecution, listExecutions, listPosition } from "../../executions/read";
import { decodeCursor } from "../../paging/cursor";
import { invalidStatusMessage, parseStatus, type Status } from "../../executions/status";
import { BadRequestError, ConflictError, NotFoundError } from "../../errors";
import { MAX_TIMELINE_PAGE, readTimeline, timelineItemForApi } from "../../executions/timeline";
import { MAX_PAGE_SIZE } from "../../paging/limits";
import { json, readJson, requireApiKey, route } from "../api";

type IdParams = { executionId: string };

const executionNotFound = (executionId: string) => new NotFoundError(`execution "${executionId}" not found`, { apiCode: "EXECUTION_NOT_FOUND" });
const badQuery = (message: string) => new BadRequestError(message, { apiCode: "INVALID_QUERY" });

export const getExecutionRoute = route<IdParams>("/api/v1/executions/:id", async (req, { executionId }) => {
  const { orgId } = await requireApiKey(req);
  const execution = await getExecution({ orgId }, executionId);
  if (!execution) throw executionNotFound(executionId);
  return json(execution);
});

function parseList(url: URL) {
  const q = url.searchParams;
  const known = new Set(["status", "workflow", "stuck", "limit", "cursor", "from", "to", "q", "meta"]);
  const unknown = [...q.keys()].filter((k) => !known.has(k));
  if (unknown.length) throw badQuery(`unknown query parameter(s): ${unknown.join(", ")}; accepted: ${[...known].join(", ")}`);

  const statuses: Status[] = [];
  for (const raw of (q.get("status") ?? "").split(",").filter((s) => s.trim())) {
    const s = parseStatus(raw);
    if (!s) throw badQuery(invalidStatusMessage(raw));
    statuses.push(s);
  }
  const workflows = (q.get("workflow") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const stuckRaw = q.get("stuck");
  if (stuckRaw !== null && stuckRaw !== "true" && stuckRaw !== "false") throw badQuery('stuck must be "true" or "false"');
  const limitRaw = q.get("limit") ?? "50";
  const limit = Number(limitRaw);
  if (!/^\d+$/.test(limitRaw) || limit < 1 || limit > MAX_PAGE_SIZE) throw badQuery(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  const cursorRaw = q.get("cursor");
  const position = cursorRaw ? decodeCursor(cursorRaw) : null;
  // a dashboard cursor (it pins a snapshot) is not a REST one
  const cursor = position && position.snapshotId === null ? listPosition(position) : null;
  if (cursorRaw && !cursor) throw new BadRequestError("cursor is not valid; pass the nextCursor of a previous page", { apiCode: "INVALID_CURSOR" });
  const time = (name: "from" | "to") => {
    const raw = q.get(name);
    if (raw === null) return undefined;
    const d = new Date(raw);
    if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(d.getTime())) throw badQuery(`${name} must be an ISO-8601 date-time, e.g. 2026-01-31T12:00:00Z`);
    return d;
  };
  const metadata: Record<string, string> = {};
  for (const pair of q.getAll("meta")) {
    const eq = pair.indexOf("=");
    if (eq < 1) throw badQuery("meta must be key=value (repeat meta for several pairs)");
    metadata[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const prefix = q.get("q")?.trim();
  const filter: ExecutionFilter = {
    statuses: statuses.length ? statuses : null,
    workflows,
    stuck: stuckRaw === null ? undefined : stuckRaw === "true",
    createdFrom: time("from"),
    createdTo: time("to"),
    executionId: prefix ? { value: prefix, mode: "prefix" } : undefined,
    metadata: Object.keys(metadata).length ? metadata : undefined,
  };
  return { filter, page: { limit, cursor } };
}

export const listExecutionsRoute = route("/api/v1/executions", async (req) => {
  const { orgId } = await requireApiKey(req);
  const { filter, page } = parseList(new URL(req.url));
  return json(await listExecutions({ orgId }, filter, page));
});

const statusWriteSchema = z.strictObject({
  status: z.unknown(),
  occurredAt: z.unknown().optional(),
  eventId: z.unknown().optional(),
  error: z.unknown().optional(),
  output: z.unknown().optional(),
  attempt: z.unknown().optional(),
});

export const putStatusRoute = route<IdParams>("/api/v1/executions/:id/status", async (req, { executionId }) => {
  const { orgId } = await requireApiKey(req);
  const body = await readJson(req);
  const shape = statusWriteSchema.safeParse(body);
  if (!shape.success) {
    throw new BadRequestError(`body must be {status, occurredAt?, eventId?, error?, output?, attempt?}: ${describeIssues(shape.error)}`, { apiCode: "INVALID_BODY" });
  }
  const current = await getExecution({ orgId }, executionId);
  if (!current) throw executionNotFound(executionId);
  const parsed = rawEventSchema.safeParse({
    ...shape.data,
    executionId,
    type: "status",
    eventId: shape.data.eventId ?? `put-${randomUUID()}`,
    // a status write without an attempt speaks for the attempt in progress
    attempt: shape.data.attempt ?? current.attempt,
  });
  if (!parsed.success) throw new BadRequestError(describeIssues(parsed.error), { apiCode: "INVALID_BODY" });

  const result = await ingestOne({ orgId }, { event: parsed.data });
  if (result.outcome === "invalid") throw new BadRequestError(result.reason ?? "invalid status write", { apiCode: "INVALID_BODY" });
  if (result.outcome === "rejected" || result.outcome === "stale") {
    throw new ConflictError(result.reason ?? "status change refused", { apiCode: "STATUS_CONFLICT", details: { currentStatus: result.status } });
  }
  const execution = await getExecution({ orgId }, executionId);
  return json({ ...execution, outcome: result.outcome });
});

export const DEFAULT_TIMELINE_PAGE = 100;

export const listEventsRoute = route<IdParams>("/api/v1/executions/:id/events", async (req, { executionId }) => {
  const { orgId } = await requireApiKey(req);
  const q = new URL(req.url).searchParams;
  const unknown = [...q.keys()].filter((k) => k !== "limit" && k !== "cursor");
  if (unknown.length) throw badQuery(`unknown query parameter(s): ${unknown.join(", ")}; accepted: limit, cursor`);
  const limitRaw = q.get("limit") ?? String(DEFAULT_TIMELINE_PAGE);
  const limit = Number(limitRaw);
  if (!/^\d+$/.test(limitRaw) || limit < 1 || limit > MAX_TIMELINE_PAGE) throw badQuery(`limit must be a whole number from 1 to ${MAX_TIMELINE_PAGE}`);
  const page = await readTimeline({ orgId }, { executionId, limit, cursor: q.get("cursor") });
  if (!page) throw executionNotFound(executionId);
  return json({ items: page.items.map(timelineItemForApi), nextCursor: page.nextCursor });
});
