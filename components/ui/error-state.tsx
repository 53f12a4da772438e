"use client";

import { cn } from "./cn";
import { Button } from "./button";

/** A failed load, with what went wrong and a retry. */
export function ErrorState({
  title = "Could not load this.",
  error,
  onRetry,
  retrying,
  className,
}: {
  title?: string;
  error?: { message: string } | null;
  onRetry?: () => void;
  retrying?: boolean;
  className?: string;
}) {
  return (
    <div
      role="alert"
      className={cn("rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100", className)}
    >
      <p className="font-medium">{title}</p>
      {error?.message ? <p className="mt-1 break-words">{error.message}</p> : null}
      {onRetry ? (
        <Button variant="danger" size="sm" className="mt-3" onClick={onRetry} disabled={retrying}>
          {retrying ? "Retrying…" : "Retry"}
        </Button>
      ) : null}
    </div>
  );
}
