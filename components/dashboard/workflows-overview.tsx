"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { formatPercent } from "@/components/executions/format";
import { useTRPC } from "@/components/trpc/react";
import { Badge } from "@/components/ui/badge";
import { cn, focusRing } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import { Time } from "@/components/ui/time";
import { LIVE_MS } from "./hooks";

const th = "px-3 py-2 text-left text-xs font-semibold tracking-wide whitespace-nowrap text-zinc-600 uppercase dark:text-zinc-400";
const td = "px-3 align-middle whitespace-nowrap tabular-nums";
const num = (n: number) => n.toLocaleString("en-US");

export function workflowHref(orgSlug: string, key: string): string {
  return `/o/${encodeURIComponent(orgSlug)}/workflows/${encodeURIComponent(key)}`;
}

export function WorkflowsOverview({ orgSlug }: { orgSlug: string }) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.workflows.list.queryOptions({ orgSlug }), refetchInterval: LIVE_MS * 3, retry: 1 });

  if (q.isError) return <ErrorState title="Could not load workflows." error={q.error} onRetry={() => void q.refetch()} retrying={q.isFetching} />;
  if (q.isPending)
    return (
      <div aria-busy="true" data-testid="workflows-loading" className="space-y-1">
        <span className="sr-only" role="status">
          Loading workflows…
        </span>
        {Array.from({ length: 6 }, (_, i) => (
          <Skeleton key={i} className="h-11 w-full" />
        ))}
      </div>
    );
  if (q.data.items.length === 0)
    return (
      <EmptyState testId="workflows-empty" title="No workflows yet">
        A workflow appears with its first event on <code className="font-mono">POST /api/v1/events</code>.
      </EmptyState>
    );
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
      <table data-testid="workflows-table" className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
        <caption className="sr-only">Workflows, most recently run first</caption>
        <thead className="bg-zinc-50 dark:bg-zinc-900">
          <tr>
            <th scope="col" className={th}>Workflow</th>
            <th scope="col" className={cn(th, "text-right")}>Executions</th>
            <th scope="col" className={cn(th, "text-right")}>Successes</th>
            <th scope="col" className={cn(th, "text-right")}>Failures</th>
            <th scope="col" className={cn(th, "text-right")}>Success rate</th>
            <th scope="col" className={th}>Last run</th>
            <th scope="col" className={cn(th, "text-right")}>Stuck now</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800/70">
          {q.data.items.map((w) => (
            <tr key={w.key} data-testid="workflow-row" data-workflow={w.key} className="h-11">
              <td className={cn(td, "max-w-72 truncate font-medium")}>
                <Link href={workflowHref(orgSlug, w.key)} className={cn("rounded text-blue-700 hover:underline dark:text-blue-300", focusRing)}>
                  {w.name}
                </Link>
                {w.name !== w.key ? <span className="ml-2 font-mono text-xs text-zinc-600 dark:text-zinc-400">{w.key}</span> : null}
                {w.missedAlert ? (
                  <Link
                    href={`/o/${encodeURIComponent(orgSlug)}/alerts?alert=${encodeURIComponent(w.missedAlert.id)}`}
                    data-testid="workflow-missed"
                    title={w.missedAlert.slot ? `missed slot ${w.missedAlert.slot}` : "missed run"}
                    className={cn("ml-2 rounded", focusRing)}
                  >
                    <Badge tone="danger">{w.missedAlert.count > 1 ? `Missed ×${w.missedAlert.count}` : "Missed run"}</Badge>
                  </Link>
                ) : w.schedule ? (
                  <span className="ml-2 text-xs text-zinc-600 dark:text-zinc-400">scheduled</span>
                ) : null}
              </td>
              <td className={cn(td, "text-right")}>{num(w.executions)}</td>
              <td className={cn(td, "text-right")}>{num(w.successes)}</td>
              <td className={cn(td, "text-right")}>{num(w.failures)}</td>
              <td className={cn(td, "text-right")}>{formatPercent(w.successRate)}</td>
              <td className={td}>
                <Time value={w.lastRunAt} />
              </td>
              <td className={cn(td, "text-right")}>{w.stuckNow > 0 ? <Badge tone="warning">{num(w.stuckNow)}</Badge> : "0"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {q.data.truncated ? <p className="p-2 text-xs text-zinc-600 dark:text-zinc-400">The first 1,000 workflows are shown.</p> : null}
    </div>
  );
}
