"use client";

import { cn } from "./cn";
import { Button } from "./button";

/** What the server's error formatter sends for a database outage (server/trpc.ts). */
export function isServiceUnavailable(error: unknown): boolean {
  return (error as { data?: { code?: unknown } | null } | null)?.data?.code === "SERVICE_UNAVAILABLE";
}

/** A failed load, with what went wrong and a retry; an outage says so instead of "could not load". */
export function ErrorState({
  title = "Could not load this.",
  error,
  onRetry,
  retrying,
  className,
}: {
  title?: string;
  error?: { message: string; data?: { code?: string } | null } | null;
  onRetry?: () => void;
  retrying?: boolean;
  className?: string;
}) {
  return (
    <div
      role="alert"
      className={cn("rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100", className)}
    >
      <p className="font-medium">{isServiceUnavailable(error) ? "Service unavailable: Runwatch cannot reach its database right now." : title}</p>
      {error?.message ? <p className="mt-1 break-words">{error.message}</p> : null}
      {onRetry ? (
        <Button variant="danger" size="sm" className="mt-3" onClick={onRetry} disabled={retrying}>
          {retrying ? "Retrying…" : "Retry"}
        </Button>
      ) : null}
    </div>
  );
}
