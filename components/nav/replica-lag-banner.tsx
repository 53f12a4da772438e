"use client";

// A line under the navigation while the read replicas are more than a few seconds behind the
// primary: lists, counts and charts read there, so they may show an older state than the
// detail pages and the API's writes. Polled; nothing without replicas or while they keep up.
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/react";

const POLL_MS = 15_000;

export function ReplicaLagBanner() {
  const trpc = useTRPC();
  const lag = useQuery({ ...trpc.session.replicaLag.queryOptions(), refetchInterval: POLL_MS, refetchIntervalInBackground: false });
  const seconds = lag.data?.seconds;
  if (seconds == null || seconds <= lag.data!.warnAboveSeconds) return null;
  return (
    <p
      role="status"
      data-testid="replica-lag"
      className="border-b border-amber-300 bg-amber-50 px-4 py-2 text-center text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
    >
      Lists and charts may be {Math.round(seconds)} s behind: the read replica is catching up.
    </p>
  );
}
