"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import type { ExecutionRow } from "@/server/dashboard/list";
import { cn, focusRing } from "@/components/ui/cn";
import { Skeleton } from "@/components/ui/skeleton";
import { Time } from "@/components/ui/time";
import { isActive } from "@/server/executions/status";
import { formatDuration } from "./format";
import { OperateActions } from "./operate-actions";
import { StatusBadge } from "./status-badge";
import { StuckFlag } from "./stuck-flag";

const th = "px-3 py-2 text-left text-xs font-semibold tracking-wide whitespace-nowrap text-zinc-600 uppercase dark:text-zinc-400";
const td = "px-3 align-middle whitespace-nowrap";
/** every row has this height, loading or not, so the page does not move when data arrives */
export const ROW_HEIGHT = "h-11";

export function executionHref(orgSlug: string, executionId: string): string {
  return `/o/${encodeURIComponent(orgSlug)}/executions/${encodeURIComponent(executionId)}`;
}

function Head({ actions }: { actions: boolean }) {
  return (
    <thead className="bg-zinc-50 dark:bg-zinc-900">
      <tr>
        <th scope="col" className={th}>Status</th>
        <th scope="col" className={th}>Stuck</th>
        <th scope="col" className={th}>Workflow</th>
        <th scope="col" className={th}>Execution</th>
        <th scope="col" className={cn(th, "text-right")}>Attempt</th>
        <th scope="col" className={th}>Created</th>
        <th scope="col" className={th}>Started</th>
        <th scope="col" className={cn(th, "text-right")}>Duration</th>
        {actions ? (
          <th scope="col" className={th}>
            <span className="sr-only">Actions</span>
          </th>
        ) : null}
      </tr>
    </thead>
  );
}

export function ExecutionsTable({ orgSlug, rows, now, caption, canOperate = false }: { orgSlug: string; rows: ExecutionRow[]; now: Date; caption: string; canOperate?: boolean }) {
  const router = useRouter();
  return (
    <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
      <table data-testid="executions-table" className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
        <caption className="sr-only">{caption}</caption>
        <Head actions={canOperate} />
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800/70">
          {rows.map((e) => {
            const href = executionHref(orgSlug, e.executionId);
            return (
              <tr
                key={e.executionId}
                data-testid="execution-row"
                data-execution-id={e.executionId}
                data-status={e.status}
                // the execution id is the keyboard-reachable link; a click anywhere on the row follows it too
                onClick={(ev) => {
                  if ((ev.target as HTMLElement).closest("a, button, dialog, input, textarea")) return;
                  router.push(href);
                }}
                className={cn(ROW_HEIGHT, "cursor-pointer hover:bg-zinc-50 dark:hover:bg-zinc-900/60")}
              >
                <td className={td}>
                  <StatusBadge status={e.status} />
                </td>
                <td className={td}>
                  <StuckFlag reason={e.stuckReason} since={e.stuckSince} now={now} />
                </td>
                <td className={cn(td, "max-w-48 truncate font-medium")} title={e.workflow}>
                  {e.workflow}
                </td>
                <td className={cn(td, "max-w-72 truncate font-mono text-xs")}>
                  <Link href={href} title={e.executionId} className={cn("rounded text-blue-700 underline-offset-2 hover:underline dark:text-blue-300", focusRing)}>
                    {e.executionId}
                  </Link>
                </td>
                <td className={cn(td, "text-right tabular-nums")}>{e.attempt}</td>
                <td className={cn(td, "tabular-nums")}>
                  <Time value={e.createdAt} />
                </td>
                <td className={cn(td, "tabular-nums")}>
                  <Time value={e.startedAt} />
                </td>
                <td className={cn(td, "text-right tabular-nums")}>{formatDuration(e.durationMs)}</td>
                {canOperate ? <td className={cn(td, "text-right")}>{isActive(e.status) ? <OperateActions orgSlug={orgSlug} executionId={e.executionId} compact /> : null}</td> : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function ExecutionsTableSkeleton({ rows = 10 }: { rows?: number }) {
  return (
    <div data-testid="executions-loading" aria-busy="true" className="overflow-hidden rounded-lg border border-zinc-200 dark:border-zinc-800">
      <span className="sr-only" role="status">
        Loading executions…
      </span>
      <div className="h-9 bg-zinc-50 dark:bg-zinc-900" />
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className={cn(ROW_HEIGHT, "flex items-center gap-4 border-t border-zinc-100 px-3 dark:border-zinc-800")}>
          <Skeleton className="h-5 w-20 rounded-full" />
          <Skeleton className="h-4 w-32" />
          <Skeleton className="h-4 w-48" />
          <Skeleton className="ml-auto h-4 w-24" />
        </div>
      ))}
    </div>
  );
}
