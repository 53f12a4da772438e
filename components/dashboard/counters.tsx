"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/react";
import { formatPercent } from "@/components/executions/format";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import type { CountersOutput } from "@/server/dashboard/counters";
import { LIVE_MS } from "./hooks";

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

const tile = "flex h-16 flex-col justify-center rounded-lg border border-zinc-200 px-3 dark:border-zinc-800";

export function Counters({ orgSlug, query }: { orgSlug: string; query: string }) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.dashboard.counters.queryOptions({ orgSlug, query }), refetchInterval: LIVE_MS * 2, retry: 1 });

  if (q.isError) return <ErrorState title="Could not load the counters." error={q.error} onRetry={() => void q.refetch()} retrying={q.isFetching} className="h-36" />;

  return (
    <section aria-labelledby="counters-heading" data-testid="counters">
      <h2 id="counters-heading" className="sr-only">
        Counters for the current filters
      </h2>
      <dl className="grid grid-cols-3 gap-2 sm:grid-cols-5 lg:grid-cols-9" title={q.data?.basis}>
        {TILES.map((t) => (
          <div key={t.key} className={tile} data-testid={`counter-${t.key}`} data-value={q.data ? q.data[t.key].count : undefined} data-capped={q.data ? String(q.data[t.key].capped) : undefined}>
            <dt className="text-xs text-zinc-600 dark:text-zinc-400">{t.label}</dt>
            <dd className={`text-lg font-semibold tabular-nums ${t.tone ?? ""}`}>{q.data ? q.data[t.key].display : <Skeleton className="h-6 w-12" />}</dd>
          </div>
        ))}
        <div className={tile} data-testid="counter-successRate" data-value={q.data?.successRate ?? undefined}>
          <dt className="text-xs text-zinc-600 dark:text-zinc-400">Success rate</dt>
          <dd className="text-lg font-semibold tabular-nums">{q.data ? formatPercent(q.data.successRate) : <Skeleton className="h-6 w-12" />}</dd>
        </div>
      </dl>
    </section>
  );
}
