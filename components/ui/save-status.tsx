"use client";

// What a small settings form says after a save: the server's refusal (role=alert, so a screen
// reader hears it) or "Saved." (role=status). One place, so every inline form answers alike.
type Saving = { isError: boolean; isSuccess: boolean; error: { message: string } | null };

export function SaveStatus({ mutation, errorTestId }: { mutation: Saving; errorTestId?: string }) {
  if (mutation.isError && mutation.error)
    return (
      <p role="alert" className="w-full text-xs text-red-700 dark:text-red-300" data-testid={errorTestId}>
        {mutation.error.message}
      </p>
    );
  if (mutation.isSuccess)
    return (
      <p role="status" className="w-full text-xs text-emerald-700 dark:text-emerald-300">
        Saved.
      </p>
    );
  return null;
}
