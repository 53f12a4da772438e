"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/react";
import { Button } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";

export function viewHref(orgSlug: string, query: string): string {
  return `/o/${encodeURIComponent(orgSlug)}/executions${query ? `?${query}` : ""}`;
}

/** Saved views beside the list: open one (a plain link, so it can be shared), save the current filters, delete. */
export function SavedViews({ orgSlug, currentQuery, canManage }: { orgSlug: string; currentQuery: string; canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const views = useQuery({ ...trpc.views.list.queryOptions({ orgSlug }), retry: 1 });
  const [name, setName] = useState("");
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.views.list.queryKey({ orgSlug }) });
  const create = useMutation(trpc.views.create.mutationOptions({ onSuccess: () => (setName(""), invalidate()) }));
  const remove = useMutation(trpc.views.delete.mutationOptions({ onSuccess: () => invalidate() }));

  return (
    <aside aria-labelledby="views-heading" data-testid="saved-views" className="space-y-3 rounded-lg border border-zinc-200 p-3 text-sm dark:border-zinc-800">
      <h2 id="views-heading" className="font-semibold">
        Saved views
      </h2>
      {views.isError ? (
        <ErrorState title="Could not load saved views." error={views.error} onRetry={() => void views.refetch()} retrying={views.isFetching} />
      ) : views.isPending ? (
        <div className="space-y-2">
          <Skeleton className="h-5 w-full" />
          <Skeleton className="h-5 w-3/4" />
        </div>
      ) : views.data.items.length === 0 ? (
        <p className="text-zinc-600 dark:text-zinc-400">No saved views yet.</p>
      ) : (
        <ul className="space-y-1">
          {views.data.items.map((v) => (
            <li key={v.id} data-testid="saved-view" data-view-name={v.name} className="flex items-center justify-between gap-2">
              <Link
                href={viewHref(orgSlug, v.query)}
                title={v.invalidReason ?? (v.query || "no filters")}
                className={cn(
                  "min-w-0 flex-1 truncate rounded px-1 py-0.5 text-blue-700 hover:underline dark:text-blue-300",
                  focusRing,
                  v.query === currentQuery && "font-semibold",
                )}
                aria-current={v.query === currentQuery ? "page" : undefined}
              >
                {v.name}
                {v.invalidReason ? <span className="ml-1 text-xs text-red-700 dark:text-red-300">(invalid)</span> : null}
              </Link>
              {canManage ? (
                <Button
                  size="sm"
                  variant="ghost"
                  aria-label={`Delete view ${v.name}`}
                  disabled={remove.isPending}
                  onClick={() => {
                    if (window.confirm(`Delete the view "${v.name}"?`)) remove.mutate({ orgSlug, id: v.id });
                  }}
                >
                  ✕
                </Button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {canManage ? (
        <form
          className="space-y-1 border-t border-zinc-200 pt-3 dark:border-zinc-800"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) create.mutate({ orgSlug, name: name.trim(), query: currentQuery });
          }}
        >
          <label htmlFor="view-name" className="text-xs font-medium text-zinc-700 dark:text-zinc-300">
            Save the current filters as
          </label>
          <div className="flex gap-1">
            <input
              id="view-name"
              data-testid="view-name"
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="View name"
              className={cn("h-8 min-w-0 flex-1 rounded-md border border-zinc-300 bg-white px-2 text-sm dark:border-zinc-700 dark:bg-zinc-900", focusRing)}
            />
            <Button size="sm" type="submit" variant="primary" disabled={!name.trim() || create.isPending}>
              Save
            </Button>
          </div>
          {create.isError ? (
            <p role="alert" className="text-xs text-red-700 dark:text-red-300">
              {create.error.message}
            </p>
          ) : null}
        </form>
      ) : null}
      {remove.isError ? (
        <p role="alert" className="text-xs text-red-700 dark:text-red-300">
          {remove.error.message}
        </p>
      ) : null}
    </aside>
  );
}
