"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/react";
import { formatDuration, formatLocalDateTime, formatUtc } from "./format";
import { StatusBadge } from "./status-badge";

const LIMIT = 50;
const REFRESH_MS = 10_000;

const th = "px-3 py-2 text-left text-xs font-semibold tracking-wide text-zinc-600 uppercase dark:text-zinc-400";
const td = "px-3 py-2 align-middle";

/** Superseded by the executions dashboard (/o/{slug}/executions); kept while the home page still uses it. */
export function LatestExecutionsTable({ orgSlug = "demo" }: { orgSlug?: string }) {
  const trpc = useTRPC();
  const query = useQuery({ ...trpc.executions.latest.queryOptions({ orgSlug, limit: LIMIT }), refetchInterval: REFRESH_MS, retry: 1 });

  if (query.isPending) return <TableSkeleton />;

  if (query.isError) {
    return (
      <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
        <p className="font-medium">Could not load executions.</p>
        <p className="mt-1">{query.error.message}</p>
        <button
          type="button"
          onClick={() => void query.refetch()}
          disabled={query.isFetching}
          className="mt-3 rounded-md bg-red-700 px-3 py-1.5 font-medium text-white hover:bg-red-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-700 disabled:opacity-60"
        >
          {query.isFetching ? "Retrying…" : "Retry"}
        </button>
      </div>
    );
  }

  const items = query.data.items;
  if (items.length === 0) {
    return (
      <p data-testid="executions-empty" className="rounded-lg border border-dashed border-zinc-300 p-8 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
        No executions yet — send events to <code className="font-mono">POST /api/v1/events</code>
      </p>
    );
  }

  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
      <table data-testid="executions-table" className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
        <caption className="sr-only">Latest executions, newest first</caption>
        <thead className="bg-zinc-50 dark:bg-zinc-900">
          <tr>
            <th scope="col" className={th}>Status</th>
            <th scope="col" className={th}>Workflow</th>
            <th scope="col" className={th}>Execution</th>
            <th scope="col" className={`${th} text-right`}>Attempt</th>
            <th scope="col" className={th}>Created</th>
            <th scope="col" className={`${th} text-right`}>Duration</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800/70">
          {items.map((e) => (
            <tr key={e.executionId} data-testid="execution-row" data-execution-id={e.executionId} className="hover:bg-zinc-50 dark:hover:bg-zinc-900/60">
              <td className={td}>
                <StatusBadge status={e.status} />
              </td>
              <td className={`${td} font-medium`}>{e.workflowKey}</td>
              <td className={`${td} max-w-72 truncate font-mono text-xs`} title={e.executionId}>
                {e.executionId}
              </td>
              <td className={`${td} text-right tabular-nums`}>{e.attempt}</td>
              <td className={`${td} whitespace-nowrap tabular-nums`}>
                <time dateTime={e.createdAt.toISOString()} title={formatUtc(e.createdAt)}>
                  {formatLocalDateTime(e.createdAt)}
                </time>
              </td>
              <td className={`${td} text-right whitespace-nowrap tabular-nums`}>{formatDuration(e.durationMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TableSkeleton() {
  return (
    <div data-testid="executions-loading" aria-busy="true" aria-live="polite" className="overflow-hidden rounded-lg border border-zinc-200 dark:border-zinc-800">
      <span className="sr-only">Loading executions…</span>
      <div className="h-9 bg-zinc-50 dark:bg-zinc-900" />
      {Array.from({ length: 6 }, (_, i) => (
        <div key={i} className="flex items-center gap-4 border-t border-zinc-100 px-3 py-3 dark:border-zinc-800">
          <div className="h-5 w-20 animate-pulse rounded-full bg-zinc-200 dark:bg-zinc-800" />
          <div className="h-4 w-32 animate-pulse rounded bg-zinc-200 dark:bg-zinc-800" />
          <div className="h-4 w-48 animate-pulse rounded bg-zinc-200 dark:bg-zinc-800" />
          <div className="ml-auto h-4 w-24 animate-pulse rounded bg-zinc-200 dark:bg-zinc-800" />
        </div>
      ))}
    </div>
  );
}
