"use client";

// The count of firing alerts beside "Alerts" in the navigation, polled every 10 s (and refreshed
// at once after an acknowledge or resolve, which invalidates alerts.*). Nothing while zero.
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/react";
import { formatCappedCount } from "@/server/aggregates/capped-count";

export function AlertsBadge({ orgSlug }: { orgSlug: string }) {
  const trpc = useTRPC();
  const counts = useQuery({ ...trpc.alerts.counts.queryOptions({ orgSlug }), refetchInterval: 10_000, refetchIntervalInBackground: false });
  const firing = counts.data?.firing ?? 0;
  if (firing === 0) return null;
  const label = formatCappedCount(firing, counts.data?.capped ?? false);
  return (
    <span data-testid="nav-alerts-badge" data-count={firing} className="ml-1.5 inline-flex min-w-5 items-center justify-center rounded-full bg-red-700 px-1.5 text-xs font-semibold tabular-nums text-white dark:bg-red-600">
      {label}
      <span className="sr-only"> firing</span>
    </span>
  );
}
