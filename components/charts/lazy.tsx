"use client";

// Charts are loaded after the page: Recharts stays out of every route's first-load JavaScript.
// Each placeholder has the chart's own height, so nothing moves when the chart arrives.
import dynamic from "next/dynamic";
import { Skeleton } from "@/components/ui/skeleton";

export const LazyExecutionCharts = dynamic(() => import("./execution-charts"), {
  ssr: false,
  loading: () => <ChartsSkeleton />,
});

export const LazyStageBars = dynamic(() => import("./stage-bars"), {
  ssr: false,
  loading: () => <Skeleton className="h-32 w-full" />,
});

export function ChartsSkeleton() {
  return (
    <div aria-hidden="true" className="@container"><div className="grid gap-4 @3xl:grid-cols-3">
      <Skeleton className="h-[244px] @3xl:col-span-3" />
      <Skeleton className="h-[244px]" />
      <Skeleton className="h-[244px] @3xl:col-span-2" />
    </div></div>
  );
}
