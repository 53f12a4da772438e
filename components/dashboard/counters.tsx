"use client";

// The counters for the current filters as one compact strip above the list. The list heading's
// total reads from the same answer (one source for the totals): see executions-dashboard.tsx.
import type { UseQueryResult } from "@tanstack/react-query";
import { formatPercent } from "@/components/executions/format";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import type { CountersOutput } from "@/server/aggregates/counters";

const TILES: { key: keyof Omit<CountersOutput, "source" | "basis" | "successRate">; label: string; tone?: string }[] = [
  { key: "total", label: "Total" },
  { key: "completed", label: "Completed", tone: "text-emerald-700 dark:text-emerald-300" },
  { key: "failed", label: "Failed", tone: "text-red-700 dark:text-red-300" },
  { key: "cancelled", label: "Cancelled" },
  { key: "timedOut", label: "Timed out", tone: "text-orange-700 dark:text-orange-300" },
  { key: "running", label: "Running", tone: "text-blue-700 dark:text-blue-300" },
  { key: "waiting", label: "Waiting" },
  { key: "stuck", label: "Stuck", tone: "text-amber-700 dark:text-amber-300" },
];

const item = "flex items-baseline gap-1.5 whitespace-nowrap";

export function Counters({ query }: { query: UseQueryResult<CountersOutput, { message: string }> }) {
  const q = query;
  if (q.isError) return <ErrorState title="Could not load the counters." error={q.error} onRetry={() => void q.refetch()} retrying={q.isFetching} className="h-10" />;

  return (
    <section aria-labelledby="counters-heading" data-testid="counters">
      <h2 id="counters-heading" className="sr-only">
        Counters for the current filters
      </h2>
      <dl className="flex min-h-9 flex-wrap items-center gap-x-4 gap-y-1 rounded-lg border border-zinc-200 px-3 py-1.5 text-sm dark:border-zinc-800" title={q.data?.basis}>
        {TILES.map((t) => (
          <div key={t.key} className={item} data-testid={`counter-${t.key}`} data-value={q.data ? q.data[t.key].count : undefined} data-capped={q.data ? String(q.data[t.key].capped) : undefined}>
            <dt className="text-xs text-zinc-600 dark:text-zinc-400">{t.label}</dt>
            <dd className={`font-semibold tabular-nums ${t.tone ?? ""}`}>{q.data ? q.data[t.key].display : <Skeleton className="inline-block h-4 w-8" />}</dd>
          </div>
        ))}
        <div className={item} data-testid="counter-successRate" data-value={q.data?.successRate ?? undefined}>
          <dt className="text-xs text-zinc-600 dark:text-zinc-400">Success rate</dt>
          <dd className="font-semibold tabular-nums">{q.data ? formatPercent(q.data.successRate) : <Skeleton className="inline-block h-4 w-8" />}</dd>
        </div>
      </dl>
    </section>
  );
}
