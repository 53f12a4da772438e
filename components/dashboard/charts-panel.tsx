"use client";

import type { UseQueryResult } from "@tanstack/react-query";
import type { ChartControls } from "@/components/charts/execution-charts";
import { ChartsSkeleton, LazyExecutionCharts } from "@/components/charts/lazy";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import type { ChartOutput } from "@/server/aggregates/charts";

type Collapse = {
  open: boolean;
  onToggle: (open: boolean) => void;
  onScale: (scale: "linear" | "log") => void;
  placement?: "below" | "beside";
  onPlacement?: (p: "below" | "beside") => void;
};

/**
 * The charts of a query, or their skeleton, empty state or error, each taking the charts' room.
 * With `collapse` the reader can fold them away, switch to a log scale and move them.
 */
export function ChartsPanel({ query, note, collapse, controls }: { query: UseQueryResult<ChartOutput, { message: string }>; note?: string; collapse?: Collapse; controls?: ChartControls }) {
  const open = collapse ? collapse.open : true;
  return (
    <section aria-labelledby="charts-heading" data-testid="charts" data-open={open ? "true" : "false"} className="rounded-lg border border-zinc-200 p-3 dark:border-zinc-800">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="charts-heading" className="text-sm font-semibold">
          Charts
        </h2>
        {collapse ? (
          <div className="flex flex-wrap items-center gap-2">
            {open ? (
              <>
                <label className="inline-flex items-center gap-1.5 text-xs">
                  <input type="checkbox" data-testid="chart-log-scale" checked={controls?.scale === "log"} onChange={(e) => collapse.onScale(e.target.checked ? "log" : "linear")} />
                  Log scale
                </label>
                {collapse.onPlacement ? (
                  <Button size="sm" variant="ghost" data-testid="charts-placement" className="hidden xl:inline-flex" onClick={() => collapse.onPlacement?.(collapse.placement === "beside" ? "below" : "beside")}>
                    {collapse.placement === "beside" ? "Move below the list" : "Move beside the list"}
                  </Button>
                ) : null}
              </>
            ) : null}
            <Button size="sm" data-testid="charts-toggle" aria-expanded={open} aria-controls="charts-body" onClick={() => collapse.onToggle(!open)}>
              {open ? "Hide charts" : "Show charts"}
            </Button>
          </div>
        ) : null}
      </div>
      {open ? (
        <div id="charts-body" className="mt-2">
          {note ? <p className="mb-2 text-xs text-zinc-600 dark:text-zinc-400">{note}</p> : null}
          {query.isError ? (
            <ErrorState title="Could not load the charts." error={query.error} onRetry={() => void query.refetch()} retrying={query.isFetching} className="min-h-[244px]" />
          ) : query.isPending ? (
            <ChartsSkeleton />
          ) : query.data.empty ? (
            <EmptyState testId="charts-empty" title="No executions in this range" className="min-h-[244px]">
              Widen the time range, or send events to <code className="font-mono">POST /api/v1/events</code>.
            </EmptyState>
          ) : (
            <LazyExecutionCharts data={query.data} {...controls} />
          )}
        </div>
      ) : null}
    </section>
  );
}
