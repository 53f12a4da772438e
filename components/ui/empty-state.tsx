import { cn } from "./cn";

export function EmptyState({ title, children, className, testId }: { title: string; children?: React.ReactNode; className?: string; testId?: string }) {
  return (
    <div
      data-testid={testId}
      className={cn("flex flex-col items-center justify-center rounded-lg border border-dashed border-zinc-300 p-8 text-center text-sm dark:border-zinc-700", className)}
    >
      <p className="font-medium text-zinc-800 dark:text-zinc-200">{title}</p>
      {children ? <div className="mt-1 text-zinc-600 dark:text-zinc-400">{children}</div> : null}
    </div>
  );
}
