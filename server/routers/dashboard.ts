// The executions dashboard: list pages over a snapshot, capped counts, the "N new" count, live
// refresh of the visible rows, counters, charts, and one execution's detail. Thin: every
// procedure parses the list's filter query, calls a service function with the caller's
// organization, and shapes the output through a schema.
import { z } from "zod";
import { getExecutionCharts, chartOutputSchema } from "../aggregates/charts";
import { cappedCountSchema, countersOutputSchema, countExecutions, countNewExecutions, getCounters } from "../aggregates/counters";
import { executionDetailSchema, getExecutionDetail, listExecutionEvents, timelineItemSchema } from "../executions/detail";
import { effectiveStatuses, filterOfQuery, PRESET_MS, timeRangeOf, urlStateOfQuery } from "../executions/filters";
import {
  encodeListCursor,
  executionListRowSchema,
  listExecutionRows,
  listExecutionsOutputSchema,
  MAX_LIST_LIMIT,
  refreshExecutionRows,
} from "../executions/list";
import { NotFoundError } from "../errors";
import { createTRPCRouter, permissionProcedure, serviceContext } from "../trpc";

/** The list's URL query string (server/executions/filter-url.ts), as the page and saved views hold it. */
export const filterQuerySchema = z.string().max(4000, "the filter query must be at most 4000 characters").default("");

const snapshotIdSchema = z.string().regex(/^\d{1,19}$/, "snapshotId must be the snapshotId of a list page");

// Page one of a given snapshot: a position above every row, so a reload or a shared link of
// page one shows the rows of that snapshot instead of taking a new one.
const TOP_OF_LIST = { createdAt: "9999-12-31T23:59:59.999Z", id: "9223372036854775807" };

export const DEFAULT_CHART_RANGE_MS = PRESET_MS["7d"];

const read = permissionProcedure("executions:read");

export const dashboardRouter = createTRPCRouter({
  list: read
    .input(
      z.object({
        query: filterQuerySchema,
        limit: z.number().int().min(1).max(MAX_LIST_LIMIT).default(50),
        /** nextCursor of the previous page */
        cursor: z.string().max(300).optional(),
        /** page one of this snapshot (ignored with a cursor, which carries its own) */
        snapshotId: snapshotIdSchema.optional(),
      }),
    )
    .output(listExecutionsOutputSchema)
    .query(({ ctx, input }) => {
      const filter = filterOfQuery(input.query, new Date());
      const cursor = input.cursor ?? (input.snapshotId ? encodeListCursor({ ...TOP_OF_LIST, snapshotId: input.snapshotId }) : undefined);
      return listExecutionRows(serviceContext(ctx), { filter, limit: input.limit, cursor });
    }),

  count: read
    .input(z.object({ query: filterQuerySchema }))
    .output(cappedCountSchema)
    .query(({ ctx, input }) => countExecutions(serviceContext(ctx), { filter: filterOfQuery(input.query, new Date()) })),

  countNew: read
    .input(z.object({ query: filterQuerySchema, snapshotId: snapshotIdSchema }))
    .output(cappedCountSchema)
    .query(({ ctx, input }) => countNewExecutions(serviceContext(ctx), { filter: filterOfQuery(input.query, new Date()), snapshotId: input.snapshotId })),

  refreshRows: read
    .input(z.object({ executionIds: z.array(z.string().min(1).max(200)).max(MAX_LIST_LIMIT) }))
    .output(z.object({ items: z.array(executionListRowSchema) }))
    .query(async ({ ctx, input }) => ({ items: await refreshExecutionRows(serviceContext(ctx), input) })),

  counters: read
    .input(z.object({ query: filterQuerySchema }))
    .output(countersOutputSchema)
    .query(({ ctx, input }) => getCounters(serviceContext(ctx), { filter: filterOfQuery(input.query, new Date()) })),

  /** Charts follow the filters' workflows, statuses, stuck flag and time range (7 days when none is set). */
  charts: read
    .input(z.object({ query: filterQuerySchema }))
    .output(chartOutputSchema)
    .query(({ ctx, input }) => {
      const now = new Date();
      // the URL state, not the list's filter: charts follow no id or metadata search
      const state = urlStateOfQuery(input.query);
      const range = timeRangeOf(state, now);
      const to = range.to && range.to < now ? range.to : undefined;
      const from = range.from ?? new Date((to ?? now).getTime() - DEFAULT_CHART_RANGE_MS);
      return getExecutionCharts(serviceContext(ctx), { from, to, workflows: state.workflows, statuses: effectiveStatuses(state), stuck: state.stuck }, now);
    }),

  detail: read
    .input(z.object({ executionId: z.string().min(1).max(200) }))
    .output(executionDetailSchema)
    .query(async ({ ctx, input }) => {
      const detail = await getExecutionDetail(serviceContext(ctx), { executionId: input.executionId });
      if (!detail) throw new NotFoundError(`execution "${input.executionId}" not found`);
      return detail;
    }),

  /** Events past the first page of the detail (an execution with more than 1,000 reports). */
  events: read
    .input(z.object({ executionId: z.string().min(1).max(200), cursor: z.string().max(200).optional() }))
    .output(z.object({ items: z.array(timelineItemSchema), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listExecutionEvents(serviceContext(ctx), { executionId: input.executionId, cursor: input.cursor })),
});
