"use client";

// The executions list's rows: a table from 640 px up (fixed layout, so every chosen column fits
// the width and long ids, workflow keys and flags are cut with the full text on hover), and
// cards below it (status, id, workflow, started, duration and the stuck flag). Only one of the
// two is rendered, so each execution is one element on the page.
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { ExecutionListRow } from "@/server/executions/list";
import { COLUMN_LABELS, DEFAULT_LIST_PREFS, useMediaQuery, type ListColumn } from "@/components/dashboard/list-prefs";
import { cn, focusRing } from "@/components/ui/cn";
import { Skeleton } from "@/components/ui/skeleton";
import { RelativeTime } from "@/components/ui/time";
import { isActive } from "@/server/executions/status";
import { formatDuration, stuckLabel, executionHref } from "./format";
import { OperateActions } from "./operate-actions";
import { StatusBadge } from "./status-badge";
import { StuckFlag } from "./stuck-flag";

const th = "px-2 py-2 text-left text-xs font-semibold tracking-wide whitespace-nowrap text-zinc-600 uppercase dark:text-zinc-400";
const td = "px-2 align-middle whitespace-nowrap overflow-hidden text-ellipsis";
/** every row has this height, loading or not, so the page does not move when data arrives */
export const ROW_HEIGHT = "h-11";
const ROW_HEIGHTS = { comfortable: ROW_HEIGHT, compact: "h-8" } as const;

/** Fixed widths; the workflow and execution columns share what is left. */
const COLUMN_WIDTH: Record<ListColumn, string | undefined> = {
  status: "w-32",
  stuck: "w-40",
  workflow: undefined,
  execution: undefined,
  attempt: "w-16",
  created: "w-24",
  started: "w-24",
  duration: "w-24",
};
const RIGHT: ListColumn[] = ["attempt", "duration"];


export type RowSelection = {
  selected: ReadonlySet<string>;
  toggle: (executionId: string) => void;
  setAll: (on: boolean) => void;
};

type TableProps = {
  orgSlug: string;
  rows: ExecutionListRow[];
  now: Date;
  caption: string;
  canOperate?: boolean;
  columns?: readonly ListColumn[];
  density?: "comfortable" | "compact";
  /** present only for roles that may act on executions: VIEWER gets no checkboxes */
  selection?: RowSelection;
  /** the list's URL query string, carried to the detail page for its back link */
  listQuery?: string;
};

export function ExecutionsTable(props: TableProps) {
  const wide = useMediaQuery("(min-width: 640px)", true);
  return wide ? <RowsTable {...props} /> : <RowCards {...props} />;
}

function Cell({ column, e, now, orgSlug, href }: { column: ListColumn; e: ExecutionListRow; now: Date; orgSlug: string; href: string }) {
  switch (column) {
    case "status":
      return <StatusBadge status={e.status} />;
    case "stuck":
      return <StuckFlag reason={e.stuckReason} since={e.stuckSince} now={now} />;
    case "workflow":
      return <span className="font-medium">{e.workflow}</span>;
    case "execution":
      return (
        // no prefetch: each list view's links differ (they carry its query), and 50 prefetches per
        // filter change would each render the organization's layout on the server
        <Link href={href} prefetch={false} className={cn("rounded font-mono text-xs text-blue-700 underline-offset-2 hover:underline dark:text-blue-300", focusRing)}>
          {e.executionId}
        </Link>
      );
    case "attempt":
      return <>{e.attempt}</>;
    case "created":
      return <RelativeTime value={e.createdAt} now={now} />;
    case "started":
      return <RelativeTime value={e.startedAt} now={now} />;
    case "duration":
      return <>{formatDuration(e.durationMs)}</>;
  }
  void orgSlug;
}

/** The full text of a cell, for the hover title of a cell that may be cut. */
function cellTitle(column: ListColumn, e: ExecutionListRow, now: Date): string | undefined {
  if (column === "workflow") return e.workflow;
  if (column === "execution") return e.executionId;
  if (column === "stuck") return stuckLabel(e.stuckReason, e.stuckSince, now) ?? undefined;
  return undefined;
}

function RowsTable({ orgSlug, rows, now, caption, canOperate = false, columns = DEFAULT_LIST_PREFS.columns, density = "comfortable", selection, listQuery }: TableProps) {
  const router = useRouter();
  const allOn = selection ? rows.length > 0 && rows.every((r) => selection.selected.has(r.executionId)) : false;
  const someOn = selection ? rows.some((r) => selection.selected.has(r.executionId)) : false;
  return (
    <div className="rounded-lg border border-zinc-200 dark:border-zinc-800">
      <table data-testid="executions-table" className="w-full table-fixed divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
        <caption className="sr-only">{caption}</caption>
        <colgroup>
          {selection ? <col className="w-9" /> : null}
          {columns.map((c) => (
            <col key={c} className={COLUMN_WIDTH[c]} />
          ))}
          {canOperate ? <col className="w-56" /> : null}
        </colgroup>
        <thead className="bg-zinc-50 dark:bg-zinc-900">
          <tr>
            {selection ? (
              <th scope="col" className={cn(th, "pl-3")}>
                <input
                  type="checkbox"
                  data-testid="select-page"
                  aria-label="Select every execution on this page"
                  className={cn("h-4 w-4 align-middle", focusRing)}
                  checked={allOn}
                  ref={(el) => {
                    if (el) el.indeterminate = someOn && !allOn;
                  }}
                  onChange={(ev) => selection.setAll(ev.target.checked)}
                />
              </th>
            ) : null}
            {columns.map((c) => (
              <th key={c} scope="col" className={cn(th, RIGHT.includes(c) && "text-right")}>
                {COLUMN_LABELS[c]}
              </th>
            ))}
            {canOperate ? (
              <th scope="col" className={th}>
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800/70">
          {rows.map((e) => {
            const href = executionHref(orgSlug, e.executionId, listQuery);
            const on = selection?.selected.has(e.executionId) ?? false;
            return (
              <tr
                key={e.executionId}
                data-testid="execution-row"
                data-execution-id={e.executionId}
                data-status={e.status}
                aria-selected={selection ? on : undefined}
                // the execution id is the keyboard-reachable link; a click anywhere on the row follows it too
                onClick={(ev) => {
                  if ((ev.target as HTMLElement).closest("a, button, dialog, input, textarea, label")) return;
                  router.push(href);
                }}
                className={cn(ROW_HEIGHTS[density], "cursor-pointer hover:bg-zinc-50 dark:hover:bg-zinc-900/60", on && "bg-blue-50 dark:bg-blue-950/40")}
              >
                {selection ? (
                  <td className={cn(td, "pl-3")}>
                    <input
                      type="checkbox"
                      data-testid="select-row"
                      aria-label={`Select ${e.executionId}`}
                      className={cn("h-4 w-4 align-middle", focusRing)}
                      checked={on}
                      onChange={() => selection.toggle(e.executionId)}
                    />
                  </td>
                ) : null}
                {columns.map((c) => (
                  <td key={c} className={cn(td, RIGHT.includes(c) && "text-right tabular-nums", (c === "created" || c === "started") && "tabular-nums")} title={cellTitle(c, e, now)}>
                    <Cell column={c} e={e} now={now} orgSlug={orgSlug} href={href} />
                  </td>
                ))}
                {canOperate ? <td className={cn(td, "text-right")}>{isActive(e.status) ? <OperateActions orgSlug={orgSlug} executionId={e.executionId} compact /> : null}</td> : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function RowCards({ orgSlug, rows, now, caption, selection, listQuery }: TableProps) {
  return (
    <ul data-testid="executions-cards" aria-label={caption} className="space-y-2">
      {rows.map((e) => {
        const href = executionHref(orgSlug, e.executionId, listQuery);
        const on = selection?.selected.has(e.executionId) ?? false;
        return (
          <li
            key={e.executionId}
            data-testid="execution-row"
            data-execution-id={e.executionId}
            data-status={e.status}
            className={cn("min-w-0 rounded-lg border border-zinc-200 p-3 text-sm dark:border-zinc-800", on && "bg-blue-50 dark:bg-blue-950/40")}
          >
            <div className="flex min-w-0 items-center gap-2">
              {selection ? (
                <input
                  type="checkbox"
                  data-testid="select-row"
                  aria-label={`Select ${e.executionId}`}
                  className={cn("h-5 w-5 shrink-0", focusRing)}
                  checked={on}
                  onChange={() => selection.toggle(e.executionId)}
                />
              ) : null}
              <StatusBadge status={e.status} />
              <span data-testid="card-duration" className="ml-auto shrink-0 text-xs text-zinc-600 tabular-nums dark:text-zinc-400">
                <span className="sr-only">Duration </span>
                {formatDuration(e.durationMs)}
              </span>
            </div>
            <Link href={href} prefetch={false} title={e.executionId} className={cn("mt-1.5 block truncate rounded font-mono text-xs text-blue-700 underline-offset-2 hover:underline dark:text-blue-300", focusRing)}>
              {e.executionId}
            </Link>
            <div className="mt-1 flex min-w-0 items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400">
              <span className="min-w-0 truncate font-medium text-zinc-800 dark:text-zinc-200" title={e.workflow}>
                {e.workflow}
              </span>
              <span className="ml-auto shrink-0">
                started <RelativeTime value={e.startedAt} now={now} />
              </span>
            </div>
            {e.stuckReason ? (
              <div className="mt-1.5 min-w-0 truncate">
                <StuckFlag reason={e.stuckReason} since={e.stuckSince} now={now} />
              </div>
            ) : null}
          </li>
        );
      })}
    </ul>
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
          <Skeleton className="hidden h-4 w-48 sm:block" />
          <Skeleton className="ml-auto h-4 w-24" />
        </div>
      ))}
    </div>
  );
}
