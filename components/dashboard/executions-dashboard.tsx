"use client";

// The executions list page: filters, counters, charts, the list with its "N new — show" banner
// and keyset paging, and saved views beside it. Everything the page shows follows the URL.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useCan } from "@/components/auth/org-access";
import { ExecutionsTable, ExecutionsTableSkeleton } from "@/components/executions/executions-table";
import { useTRPC } from "@/components/trpc/react";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { ChartsPanel } from "./charts-panel";
import { Counters } from "./counters";
import { FiltersBar } from "./filters-bar";
import { LIVE_MS, useNow } from "./hooks";
import { SavedViews } from "./saved-views";
import { mergeRows, popCursor, pushCursor } from "./url-state";
import { useListUrlState } from "./use-list-state";

export const PAGE_SIZE = 50;

export function ExecutionsDashboard({ orgSlug }: { orgSlug: string }) {
  const trpc = useTRPC();
  const { state, setFilters, setPage, clearSnapshot } = useListUrlState();
  const canManageViews = useCan("views:manage");
  const canOperate = useCan("executions:operate");
  const now = useNow();
  const cursor = state.cursors[state.cursors.length - 1];

  const pageOne = !cursor && !state.snapshotId;
  const list = useQuery({
    ...trpc.dashboard.list.queryOptions({ orgSlug, query: state.query, limit: PAGE_SIZE, cursor, snapshotId: cursor ? undefined : (state.snapshotId ?? undefined) }),
    placeholderData: keepPreviousData,
    // A page never changes under the reader: its rows' states are refreshed below, and arrivals
    // are counted in the "N new" banner. Only page one without a pinned snapshot takes a new one,
    // when its filters change or the reader asks for the new executions.
    staleTime: pageOne ? 0 : Infinity,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
    retry: 1,
  });
  const snapshotId = state.snapshotId ?? (list.isPlaceholderData ? null : (list.data?.snapshotId ?? null));
  const showNewest = () => (pageOne ? void list.refetch() : clearSnapshot());

  const visibleIds = useMemo(() => list.data?.items.map((r) => r.executionId) ?? [], [list.data]);
  const fresh = useQuery({
    ...trpc.dashboard.refreshRows.queryOptions({ orgSlug, executionIds: visibleIds }),
    enabled: visibleIds.length > 0,
    refetchInterval: LIVE_MS,
    placeholderData: keepPreviousData,
  });
  const newCount = useQuery({
    ...trpc.dashboard.countNew.queryOptions({ orgSlug, query: state.query, snapshotId: snapshotId ?? "0" }),
    enabled: snapshotId !== null,
    refetchInterval: LIVE_MS,
  });
  const total = useQuery({ ...trpc.dashboard.count.queryOptions({ orgSlug, query: state.query }), refetchInterval: LIVE_MS * 3 });
  const charts = useQuery({ ...trpc.dashboard.charts.queryOptions({ orgSlug, query: state.query }), refetchInterval: 30_000, retry: 1 });

  const rows = mergeRows(list.data?.items ?? [], fresh.data?.items);
  const pageNumber = state.cursors.length + 1;
  const newN = newCount.data && newCount.data.count > 0 ? newCount.data : null;

  return (
    <div className="grid gap-4 xl:grid-cols-[1fr_16rem]">
      <div className="min-w-0 space-y-4">
        <FiltersBar orgSlug={orgSlug} filters={state.filters} onChange={setFilters} />
        <Counters orgSlug={orgSlug} query={state.query} />
        <ChartsPanel query={charts} note="Charts follow the workflow and time-range filters (last 7 days when no range is set)." />

        <section aria-labelledby="list-heading" className="space-y-2" data-testid="list" data-snapshot-id={snapshotId ?? undefined} data-fetching={list.isFetching ? "true" : "false"}>
          <div className="flex h-9 items-center justify-between gap-2">
            <h2 id="list-heading" className="text-sm font-semibold">
              Executions{" "}
              <span data-testid="total-count" data-value={total.data?.count} data-capped={total.data ? String(total.data.capped) : undefined} className="font-normal text-zinc-600 dark:text-zinc-400">
                {total.data ? `(${total.data.display})` : ""}
              </span>
            </h2>
            <div aria-live="polite" className="min-w-0">
              {newN ? (
                <Button data-testid="new-banner" variant="primary" size="sm" onClick={showNewest}>
                  {newN.display} new — show
                </Button>
              ) : null}
            </div>
          </div>

          {list.isError ? (
            <ErrorState title="Could not load executions." error={list.error} onRetry={() => void list.refetch()} retrying={list.isFetching} />
          ) : list.isPending ? (
            <ExecutionsTableSkeleton />
          ) : rows.length === 0 ? (
            <EmptyState testId="executions-empty" title={state.query ? "No executions match these filters" : "No executions yet"} className="h-48">
              {state.query ? "Loosen or clear a filter." : <>Send events to <code className="font-mono">POST /api/v1/events</code>.</>}
            </EmptyState>
          ) : (
            <ExecutionsTable orgSlug={orgSlug} rows={rows} now={now} caption={`Executions, newest first, page ${pageNumber}`} canOperate={canOperate} />
          )}

          <nav aria-label="Pages" className="flex items-center justify-between gap-2">
            <Button data-testid="page-previous" disabled={state.cursors.length === 0} onClick={() => setPage(popCursor(state.cursors), snapshotId)}>
              ← Previous
            </Button>
            <span data-testid="page-number" className="text-sm text-zinc-600 tabular-nums dark:text-zinc-400">
              Page {pageNumber}
            </span>
            <Button
              data-testid="page-next"
              disabled={!list.data?.nextCursor || list.isPlaceholderData}
              onClick={() => list.data?.nextCursor && setPage(pushCursor(state.cursors, list.data.nextCursor), snapshotId)}
            >
              Next →
            </Button>
          </nav>
        </section>
      </div>
      <SavedViews orgSlug={orgSlug} currentQuery={state.query} canManage={canManageViews} />
    </div>
  );
}
