"use client";

import type { UseQueryResult } from "@tanstack/react-query";
import { ChartsSkeleton, LazyExecutionCharts } from "@/components/charts/lazy";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import type { ChartOutput } from "@/server/dashboard/charts";

/** The charts of a query, or their skeleton, empty state or error, each taking the charts' room. */
export function ChartsPanel({ query, note }: { query: UseQueryResult<ChartOutput, { message: string }>; note?: string }) {
  return (
    <section aria-labelledby="charts-heading" data-testid="charts" className="rounded-lg border border-zinc-200 p-3 dark:border-zinc-800">
      <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="charts-heading" className="text-sm font-semibold">
          Charts
        </h2>
        {note ? <p className="text-xs text-zinc-600 dark:text-zinc-400">{note}</p> : null}
      </div>
      {query.isError ? (
        <ErrorState title="Could not load the charts." error={query.error} onRetry={() => void query.refetch()} retrying={query.isFetching} className="min-h-[244px]" />
      ) : query.isPending ? (
        <ChartsSkeleton />
      ) : query.data.empty ? (
        <EmptyState testId="charts-empty" title="No executions in this range" className="min-h-[244px]">
          Widen the time range, or send events to <code className="font-mono">POST /api/v1/events</code>.
        </EmptyState>
      ) : (
        <LazyExecutionCharts data={query.data} />
      )}
    </section>
  );
}
