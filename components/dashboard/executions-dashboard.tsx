"use client";

// The executions list page, list first: filters, one compact strip of counters, the rows (a
// table, or cards on a phone) with selection and bulk actions, and the charts below or beside
// them (collapsible, remembered per user). Everything the page shows follows the URL. The rows
// are fetched in a request of their own, so they are not held back by counters and charts.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import { useCan, useOrgAccess } from "@/components/auth/org-access";
import { ExecutionsTable, ExecutionsTableSkeleton, type RowSelection } from "@/components/executions/executions-table";
import { useTRPC } from "@/components/trpc/react";
import { Button } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { parseFilterQuery } from "@/server/executions/filter-url";
import type { Status } from "@/server/executions/status";
import { BulkActionsBar, type BulkSelection } from "./bulk-actions";
import { ChartsPanel } from "./charts-panel";
import { Counters } from "./counters";
import { FiltersBar } from "./filters-bar";
import { LIVE_MS, useNow } from "./hooks";
import { COLUMN_LABELS, LIST_COLUMNS, useListPrefs, type ListColumn, type ListPrefs } from "./list-prefs";
import { SavedViews } from "./saved-views";
import { describeFilters, mergeRows, popCursor, pushCursor } from "./url-state";
import { useListUrlState } from "./use-list-state";

export const PAGE_SIZE = 50;

type Selection = { query: string; ids: ReadonlySet<string>; allMatching: boolean };
const NO_SELECTION: Selection = { query: "", ids: new Set(), allMatching: false };

export function ExecutionsDashboard({ orgSlug }: { orgSlug: string }) {
  const trpc = useTRPC();
  const { state, setFilters, setPage, clearSnapshot } = useListUrlState();
  const { userId } = useOrgAccess();
  const [prefs, setPrefs] = useListPrefs(userId);
  const canManageViews = useCan("views:manage");
  const canOperate = useCan("executions:operate");
  const canAcknowledge = useCan("alerts:acknowledge");
  const canSelect = canOperate || canAcknowledge;
  const now = useNow();
  const searchParams = useSearchParams();
  const cursor = state.cursors[state.cursors.length - 1];

  const pageOne = !cursor && !state.snapshotId;
  const list = useQuery({
    ...trpc.dashboard.list.queryOptions(
      { orgSlug, query: state.query, limit: PAGE_SIZE, cursor, snapshotId: cursor ? undefined : (state.snapshotId ?? undefined) },
      { trpc: { context: { skipBatch: true } } },
    ),
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
  // one source for the totals: the heading and the strip read the same answer
  const counters = useQuery({ ...trpc.dashboard.counters.queryOptions({ orgSlug, query: state.query }), refetchInterval: LIVE_MS * 2, retry: 1 });
  const charts = useQuery({ ...trpc.dashboard.charts.queryOptions({ orgSlug, query: state.query }), refetchInterval: 30_000, retry: 1, enabled: prefs.chartsOpen });

  const rows = mergeRows(list.data?.items ?? [], fresh.data?.items);
  const pageNumber = state.cursors.length + 1;
  const newN = newCount.data && newCount.data.count > 0 ? newCount.data : null;
  const total = counters.data?.total;

  // the selection belongs to one filter: a new filter starts with none
  const [rawSelection, setSelection] = useState<Selection>(NO_SELECTION);
  const selection = rawSelection.query === state.query ? rawSelection : NO_SELECTION;
  const rowSelection: RowSelection | undefined = canSelect
    ? {
        selected: selection.ids,
        toggle: (id) => {
          const ids = new Set(selection.ids);
          if (ids.has(id)) ids.delete(id);
          else ids.add(id);
          setSelection({ query: state.query, ids, allMatching: false });
        },
        setAll: (on) => setSelection({ query: state.query, ids: on ? new Set(rows.map((r) => r.executionId)) : new Set(), allMatching: false }),
      }
    : undefined;
  const pageAllSelected = rows.length > 0 && rows.every((r) => selection.ids.has(r.executionId));
  const bulk: BulkSelection | null = selection.allMatching
    ? { kind: "filter", query: state.query, count: total?.count ?? 0, capped: total?.capped ?? false }
    : selection.ids.size
      ? { kind: "ids", executionIds: [...selection.ids] }
      : null;

  // URL filters the page could not use, named with the reason
  const dropped = useMemo(() => {
    const parsed = parseFilterQuery(searchParams.toString());
    return parsed.ok ? parsed.dropped : parsed.issues;
  }, [searchParams]);

  const chartsBeside = prefs.chartsOpen && prefs.chartsPlacement === "beside";
  const chartsPanel = (
    <ChartsPanel
      query={charts}
      note="Charts follow every filter but metadata and search (last 7 days when no range is set). Finished executions count in the hour they finished."
      collapse={{
        open: prefs.chartsOpen,
        onToggle: (open) => setPrefs({ chartsOpen: open }),
        onScale: (chartScale) => setPrefs({ chartScale }),
        placement: prefs.chartsPlacement,
        onPlacement: (chartsPlacement) => setPrefs({ chartsPlacement }),
      }}
      controls={{
        scale: prefs.chartScale,
        onPickRange: (from, to) => setFilters({ range: undefined, from, to }),
        onPickStatus: (s: Status) => setFilters({ statuses: [s], statusMode: "include" }),
      }}
    />
  );

  return (
    <div className="grid gap-4 2xl:grid-cols-[1fr_16rem]">
      <div className={cn("min-w-0 gap-3", chartsBeside ? "grid xl:grid-cols-[minmax(0,1fr)_28rem]" : "flex flex-col")}>
        <div className="min-w-0 space-y-3">
          {dropped.length ? (
            <div role="status" data-testid="dropped-filters" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
              <p className="font-medium">Some filters in the address were not applied:</p>
              <ul className="mt-1 list-disc pl-5">
                {dropped.map((d) => (
                  <li key={`${d.key}:${d.message}`}>
                    <code className="font-mono">{d.key}</code>: {d.message}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          <FiltersBar orgSlug={orgSlug} filters={state.filters} onChange={setFilters} />
          <Counters query={counters} />

          <section aria-labelledby="list-heading" className="space-y-2" data-testid="list" data-snapshot-id={snapshotId ?? undefined} data-fetching={list.isFetching ? "true" : "false"}>
            <div className="flex min-h-9 flex-wrap items-center justify-between gap-2">
              <h2 id="list-heading" className="text-sm font-semibold">
                Executions{" "}
                <span data-testid="total-count" data-value={total?.count} data-capped={total ? String(total.capped) : undefined} title={counters.data?.basis} className="font-normal text-zinc-600 dark:text-zinc-400">
                  {total ? `(${total.display})` : ""}
                </span>
              </h2>
              <div aria-live="polite" className="min-w-0">
                {newN ? (
                  <Button data-testid="new-banner" variant="primary" size="sm" onClick={showNewest}>
                    {newN.display} new — show
                  </Button>
                ) : null}
              </div>
              <ListOptions prefs={prefs} onChange={setPrefs} />
            </div>

            {bulk ? (
              <BulkActionsBar
                orgSlug={orgSlug}
                selection={bulk}
                filterLabel={describeFilters(state.filters)}
                pageAllSelected={pageAllSelected}
                matching={total ?? null}
                onSelectAllMatching={() => setSelection({ query: state.query, ids: selection.ids, allMatching: true })}
                onClear={() => setSelection(NO_SELECTION)}
              />
            ) : null}

            {list.isError ? (
              <ErrorState title="Could not load executions." error={list.error} onRetry={() => void list.refetch()} retrying={list.isFetching} />
            ) : list.isPending ? (
              <ExecutionsTableSkeleton />
            ) : rows.length === 0 ? (
              <EmptyState testId="executions-empty" title={state.query ? "No executions match these filters" : "No executions yet"} className="h-48">
                {state.query ? "Loosen or clear a filter." : <>Send events to <code className="font-mono">POST /api/v1/events</code>.</>}
              </EmptyState>
            ) : (
              <ExecutionsTable
                orgSlug={orgSlug}
                rows={rows}
                now={now}
                caption={`Executions, newest first, page ${pageNumber}`}
                canOperate={canOperate}
                columns={prefs.columns}
                density={prefs.density}
                selection={rowSelection}
                listQuery={searchParams.toString()}
              />
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
          {chartsBeside ? null : chartsPanel}
        </div>
        {chartsBeside ? <div className="min-w-0">{chartsPanel}</div> : null}
      </div>
      <SavedViews orgSlug={orgSlug} currentQuery={state.query} canManage={canManageViews} />
    </div>
  );
}

/** The column chooser and the density toggle, remembered per user. */
function ListOptions({ prefs, onChange }: { prefs: ListPrefs; onChange: (next: Partial<ListPrefs>) => void }) {
  const toggle = (c: ListColumn, on: boolean) => onChange({ columns: LIST_COLUMNS.filter((x) => (x === c ? on : prefs.columns.includes(x))) });
  return (
    <div className="flex items-center gap-2">
      <details className="relative" data-testid="column-chooser">
        <summary className={cn("flex h-8 cursor-pointer list-none items-center gap-1 rounded-md px-2.5 text-xs font-medium ring-1 ring-zinc-300 ring-inset hover:bg-zinc-50 dark:ring-zinc-700 dark:hover:bg-zinc-900", focusRing)}>
          Columns <span aria-hidden="true">▾</span>
        </summary>
        <fieldset className="absolute right-0 z-20 mt-1 w-48 rounded-md border border-zinc-200 bg-white p-2 shadow-lg dark:border-zinc-700 dark:bg-zinc-900">
          <legend className="sr-only">Columns to show</legend>
          {LIST_COLUMNS.map((c) => (
            <label key={c} className="flex items-center gap-2 rounded px-1 py-1 text-sm">
              <input
                type="checkbox"
                data-testid={`column-${c}`}
                className={cn("h-4 w-4", focusRing)}
                checked={prefs.columns.includes(c)}
                disabled={c === "execution"}
                onChange={(e) => toggle(c, e.target.checked)}
              />
              {COLUMN_LABELS[c]}
            </label>
          ))}
        </fieldset>
      </details>
      <Button size="sm" data-testid="density-toggle" aria-pressed={prefs.density === "compact"} onClick={() => onChange({ density: prefs.density === "compact" ? "comfortable" : "compact" })}>
        Compact rows
      </Button>
    </div>
  );
}
