// One execution for the detail page: header and times, lifecycle stages, every event received
// (with outcome and reason), error, input and output, the ContinueAsNew chain both ways, parent
// and children, and its audit entries. Everything is read with the organization in the WHERE.
import { z } from "zod";
import { pool } from "../db/client";
import { getExecution } from "./read";
import { STATUSES, type Status } from "./status";
import { readTimeline, timelineItemSchema, type TimelineItem } from "./timeline";
import { executionTimes, lifecycleStages, type TimelineEventInput } from "./stages";

export const MAX_DETAIL_EVENTS = 1000;
export const MAX_CHAIN_STEPS = 100;
export const MAX_CHILDREN = 100;
export const MAX_AUDIT_ENTRIES = 100;

export const executionDetailInputSchema = z.object({ executionId: z.string().min(1).max(200) });

const statusSchema = z.enum(STATUSES);
const linkSchema = z.object({
  executionId: z.string(),
  /** null when the linked execution is not known here */
  status: statusSchema.nullable(),
  workflow: z.string().nullable(),
  createdAt: z.date().nullable(),
});
export type ExecutionLink = z.infer<typeof linkSchema>;

export { timelineItemSchema } from "./timeline";
export type { TimelineItem } from "./timeline";

export const stageSchema = z.object({
  status: statusSchema,
  start: z.date(),
  end: z.date().nullable(),
  durationMs: z.number().nullable(),
  current: z.boolean(),
});

export const auditEntrySchema = z.object({
  id: z.string(),
  at: z.date(),
  actorType: z.enum(["USER", "API_KEY", "SYSTEM"]),
  actorLabel: z.string(),
  action: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  details: z.unknown(),
  success: z.boolean(),
});

export const executionDetailSchema = z.object({
  execution: z.object({
    executionId: z.string(),
    workflow: z.string(),
    status: statusSchema,
    attempt: z.number().int(),
    createdAt: z.date(),
    scheduledAt: z.date().nullable(),
    startedAt: z.date().nullable(),
    lastHeartbeatAt: z.date().nullable(),
    completedAt: z.date().nullable(),
    statusChangedAt: z.date(),
    updatedAt: z.date(),
    durationMs: z.number().nullable(),
    stuckReason: z.enum(["scheduled", "running"]).nullable(),
    stuckSince: z.date().nullable(),
    metadata: z.record(z.string(), z.string()).nullable(),
    error: z.unknown(),
    input: z.unknown(),
    output: z.unknown(),
  }),
  times: z.object({ queueMs: z.number().nullable(), runMs: z.number().nullable(), totalMs: z.number() }),
  stages: z.array(stageSchema),
  /** the timeline as GET /api/v1/executions/{id}/events gives it: compacted heartbeats, repeats, waits */
  events: z.array(timelineItemSchema),
  /** more than MAX_DETAIL_EVENTS items: page on with listExecutionEvents */
  eventsTruncated: z.boolean(),
  chain: z.object({
    /** oldest first, ending with the run this one continued from */
    previous: z.array(linkSchema),
    /** the runs that continued this one, nearest first */
    next: z.array(linkSchema),
    currentExecutionId: z.string(),
    truncated: z.boolean(),
  }),
  parent: linkSchema.nullable(),
  children: z.array(linkSchema),
  childrenTruncated: z.boolean(),
  audit: z.array(auditEntrySchema),
});
export type ExecutionDetail = z.infer<typeof executionDetailSchema>;

/** An execution's timeline by occurredAt, keyset-paged (empty for an unknown execution). */
export async function listExecutionEvents(
  orgId: string,
  input: { executionId: string; cursor?: string; limit?: number },
): Promise<{ items: TimelineItem[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(input.limit ?? MAX_DETAIL_EVENTS, 1), MAX_DETAIL_EVENTS);
  return (await readTimeline(orgId, input.executionId, { limit, cursor: input.cursor })) ?? { items: [], nextCursor: null };
}

/** The lifecycle stages read status changes in the order they were applied, which is arrival order. */
function appliedInArrivalOrder(items: TimelineItem[]): TimelineEventInput[] {
  return items
    .filter((i): i is Extract<TimelineItem, { type: "status" }> => i.type === "status")
    .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || Number(BigInt(a.id) - BigInt(b.id)))
    .map((i) => ({ type: "STATUS", occurredAt: i.occurredAt, outcome: i.outcome.toUpperCase() as TimelineEventInput["outcome"], statusBefore: i.statusBefore, statusAfter: i.statusAfter }));
}

const LINK_COLUMNS = `x."executionId", e.status, w.key AS workflow, e."createdAt"`;

async function chainOf(orgId: string, executionId: string): Promise<{ previous: ExecutionLink[]; next: ExecutionLink[]; truncated: boolean }> {
  // Both directions, bounded: a corrupt link cannot make this loop.
  const { rows } = await pool().query<ExecutionLink & { dir: "prev" | "next"; depth: number }>(
    `WITH RECURSIVE back("executionId", depth) AS (
        SELECT e."continuedFromId", 1 FROM executions e
         WHERE e."orgId" = $1 AND e."executionId" = $2 AND e."continuedFromId" IS NOT NULL
        UNION ALL
        SELECT p."continuedFromId", b.depth + 1 FROM back b
          JOIN executions p ON p."orgId" = $1 AND p."executionId" = b."executionId"
         WHERE p."continuedFromId" IS NOT NULL AND b.depth <= $3
     ), fwd("executionId", depth) AS (
        SELECT e."continuedAsNewToId", 1 FROM executions e
         WHERE e."orgId" = $1 AND e."executionId" = $2 AND e."continuedAsNewToId" IS NOT NULL
        UNION ALL
        SELECT n."continuedAsNewToId", f.depth + 1 FROM fwd f
          JOIN executions n ON n."orgId" = $1 AND n."executionId" = f."executionId"
         WHERE n."continuedAsNewToId" IS NOT NULL AND f.depth <= $3
     ), links AS (
        SELECT 'prev' AS dir, "executionId", depth FROM back
        UNION ALL SELECT 'next', "executionId", depth FROM fwd
     )
     SELECT x.dir, x.depth, ${LINK_COLUMNS}
       FROM links x
       LEFT JOIN executions e ON e."orgId" = $1 AND e."executionId" = x."executionId"
       LEFT JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
      ORDER BY x.dir, x.depth`,
    [orgId, executionId, MAX_CHAIN_STEPS],
  );
  const strip = ({ executionId: id, status, workflow, createdAt }: ExecutionLink): ExecutionLink => ({ executionId: id, status, workflow, createdAt });
  const prev = rows.filter((r) => r.dir === "prev");
  const next = rows.filter((r) => r.dir === "next");
  const truncated = prev.length > MAX_CHAIN_STEPS || next.length > MAX_CHAIN_STEPS;
  return {
    previous: prev.slice(0, MAX_CHAIN_STEPS).map(strip).reverse(),
    next: next.slice(0, MAX_CHAIN_STEPS).map(strip),
    truncated,
  };
}

/** Null when the execution is unknown here (or another organization's). */
export async function getExecutionDetail(orgId: string, input: z.input<typeof executionDetailInputSchema>, now = new Date()): Promise<ExecutionDetail | null> {
  const { executionId } = executionDetailInputSchema.parse(input);
  const view = await getExecution(orgId, executionId);
  if (!view) return null;

  const [extra, events, chain, parent, children, audit] = await Promise.all([
    pool()
      .query<{ statusChangedAt: Date }>(`SELECT "statusChangedAt" FROM executions WHERE "orgId" = $1 AND "executionId" = $2`, [orgId, executionId])
      .then((r) => r.rows[0]),
    listExecutionEvents(orgId, { executionId, limit: MAX_DETAIL_EVENTS }),
    chainOf(orgId, executionId),
    view.parentExecutionId
      ? pool()
          .query<ExecutionLink>(
            `SELECT ${LINK_COLUMNS} FROM (SELECT $2::text AS "executionId") x
               LEFT JOIN executions e ON e."orgId" = $1 AND e."executionId" = x."executionId"
               LEFT JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"`,
            [orgId, view.parentExecutionId],
          )
          .then((r) => r.rows[0] ?? null)
      : Promise.resolve(null),
    pool()
      .query<ExecutionLink>(
        `SELECT e."executionId", e.status, w.key AS workflow, e."createdAt" FROM executions e
           JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
          WHERE e."orgId" = $1 AND e."parentExecutionId" = $2
          ORDER BY e."createdAt" DESC, e.id DESC LIMIT $3`,
        [orgId, executionId, MAX_CHILDREN + 1],
      )
      .then((r) => r.rows),
    pool()
      .query<z.infer<typeof auditEntrySchema>>(
        `SELECT id::text, at, "actorType", "actorLabel", action, before, after, details, success FROM audit_logs
          WHERE "orgId" = $1 AND "resourceType" = 'execution' AND "resourceId" = $2
          ORDER BY at DESC, id DESC LIMIT $3`,
        [orgId, executionId, MAX_AUDIT_ENTRIES],
      )
      .then((r) => r.rows),
  ]);
  if (!extra) return null; // deleted between the two reads

  const date = (s: string | null) => (s ? new Date(s) : null);
  const status = view.status as Status;
  const timestamps = {
    status,
    createdAt: new Date(view.createdAt),
    scheduledAt: date(view.scheduledAt),
    startedAt: date(view.startedAt),
    completedAt: date(view.completedAt),
    statusChangedAt: extra.statusChangedAt,
  };
  return {
    execution: {
      executionId: view.executionId,
      workflow: view.workflow,
      attempt: view.attempt,
      ...timestamps,
      lastHeartbeatAt: date(view.lastHeartbeatAt),
      updatedAt: new Date(view.updatedAt),
      durationMs: view.durationMs,
      stuckReason: view.stuckReason,
      stuckSince: date(view.stuckSince),
      metadata: view.metadata,
      error: view.error,
      input: view.input ?? null,
      output: view.output ?? null,
    },
    times: executionTimes(timestamps, now),
    stages: lifecycleStages({ ...timestamps, events: appliedInArrivalOrder(events.items) }, now),
    events: events.items,
    eventsTruncated: events.nextCursor !== null,
    chain: { ...chain, currentExecutionId: view.currentExecutionId },
    parent,
    children: children.slice(0, MAX_CHILDREN),
    childrenTruncated: children.length > MAX_CHILDREN,
    audit,
  };
}
