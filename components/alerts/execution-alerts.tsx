"use client";

// The alerts of one execution, for its detail page: state, reason, since, who acknowledged, a
// link into the alert center's drawer, and Acknowledge / Resolve for OPERATOR and up.
// Self-contained: mount it under /o/[slug] (it reads the caller's access from OrgAccessProvider).
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/components/trpc/react";
import { Badge } from "@/components/ui/badge";
import { ErrorState } from "@/components/ui/error-state";
import { LoadingRegion, Skeleton } from "@/components/ui/skeleton";
import { Time } from "@/components/ui/time";
import { AlertActions } from "./alert-actions";
import { STATE_LABEL, STATE_TONE, alertHref, reasonLabel, resolutionLabel } from "./format";

export function ExecutionAlerts({ orgSlug, executionId }: { orgSlug: string; executionId: string }) {
  const trpc = useTRPC();
  const query = useQuery({ ...trpc.alerts.forExecution.queryOptions({ orgSlug, executionId }), refetchInterval: 10_000 });

  return (
    <section aria-labelledby="execution-alerts-title" data-testid="execution-alerts" className="rounded-lg border border-zinc-200 p-4 dark:border-zinc-800">
      <h2 id="execution-alerts-title" className="text-base font-semibold">
        Alerts
      </h2>
      <div className="mt-3">
        {query.isPending ? (
          <LoadingRegion label="Loading this execution's alerts…">
            <Skeleton className="h-12 w-full" />
          </LoadingRegion>
        ) : query.isError ? (
          <ErrorState title="Could not load this execution's alerts." error={query.error} onRetry={() => void query.refetch()} retrying={query.isFetching} />
        ) : query.data.items.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="execution-alerts-empty">
            No alerts: this execution has never been stuck.
          </p>
        ) : (
          <ul className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800/70">
            {query.data.items.map((a) => (
              <li key={a.id} data-testid="execution-alert" data-state={a.state} className="flex flex-wrap items-center justify-between gap-3 py-2">
                <div className="min-w-0">
                  <Badge tone={STATE_TONE[a.state]}>{STATE_LABEL[a.state]}</Badge>{" "}
                  <Link href={alertHref(orgSlug, a.id, a.state === "FIRING" ? "firing" : a.state === "ACKNOWLEDGED" ? "acknowledged" : "resolved")} prefetch={false} className="font-medium text-blue-800 underline underline-offset-2 dark:text-blue-300">
                    {reasonLabel(a.reason)}
                  </Link>
                  <span className="block text-xs text-zinc-600 dark:text-zinc-400">
                    since <Time value={a.since} />
                    {a.acknowledgedBy ? ` · acknowledged by ${a.acknowledgedBy}` : ""}
                    {a.state === "RESOLVED" && a.resolution ? ` · ${resolutionLabel(a.resolution)}` : ""}
                  </span>
                </div>
                <AlertActions orgSlug={orgSlug} alertId={a.id} state={a.state} compact />
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
