"use client";

import { useSyncExternalStore } from "react";
import { formatLocalDateTime, formatRelative, formatUtc } from "@/components/executions/format";

const subscribe = () => () => {};

/** false while rendering on the server and hydrating, true afterwards: the viewer's zone is known only in the browser. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}

/** An instant in the viewer's time zone, with UTC on hover. The server renders UTC (it cannot know the zone). */
export function Time({ value, className }: { value: Date | string | null | undefined; className?: string }) {
  const hydrated = useHydrated();
  if (!value) return <span className={className}>—</span>;
  const date = typeof value === "string" ? new Date(value) : value;
  const utc = formatUtc(date);
  return (
    <time dateTime={date.toISOString()} title={utc} className={className} suppressHydrationWarning>
      {hydrated ? formatLocalDateTime(date) : utc}
    </time>
  );
}

/** "3 min ago" with the instant in the viewer's zone and in UTC on hover (and for screen readers). */
export function RelativeTime({ value, now, className }: { value: Date | string | null | undefined; now: Date; className?: string }) {
  const hydrated = useHydrated();
  if (!value) return <span className={className}>—</span>;
  const date = typeof value === "string" ? new Date(value) : value;
  const utc = formatUtc(date);
  const title = hydrated ? `${formatLocalDateTime(date)} (${utc})` : utc;
  return (
    <time dateTime={date.toISOString()} title={title} className={className} suppressHydrationWarning>
      {hydrated ? formatRelative(date, now) : utc}
    </time>
  );
}
