import { cn } from "./cn";

/** A placeholder block. Give it the height of what it stands for, so nothing moves when data arrives. */
export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden="true" className={cn("animate-pulse rounded bg-zinc-200 dark:bg-zinc-800", className)} />;
}

/** A region that is loading: announced once to screen readers, with fixed-height placeholders inside. */
export function LoadingRegion({ label, className, children, testId }: { label: string; className?: string; children: React.ReactNode; testId?: string }) {
  return (
    <div data-testid={testId} aria-busy="true" className={className}>
      <span className="sr-only" role="status">
        {label}
      </span>
      {children}
    </div>
  );
}
