"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/react";
import { Button } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { Dialog } from "@/components/ui/dialog";

type Kind = "cancel" | "markFailed";
const VERB: Record<Kind, string> = { cancel: "Cancel", markFailed: "Mark failed" };
const TITLE: Record<Kind, string> = { cancel: "Cancel execution", markFailed: "Mark execution failed" };

/**
 * Cancel / Mark failed with a reason, on one active execution. Render it only for roles with
 * executions:operate (the server refuses the others anyway). `compact` is the list row's form.
 */
export function OperateActions({ orgSlug, executionId, compact = false }: { orgSlug: string; executionId: string; compact?: boolean }) {
  const [kind, setKind] = useState<Kind | null>(null);
  return (
    <div className="inline-flex gap-2" data-testid="operate-actions">
      <Button size={compact ? "sm" : "md"} aria-label={`Cancel execution ${executionId}`} onClick={() => setKind("cancel")}>
        {compact ? "Cancel" : "Cancel execution"}
      </Button>
      <Button size={compact ? "sm" : "md"} variant="danger" aria-label={`Mark execution ${executionId} failed`} onClick={() => setKind("markFailed")}>
        Mark failed
      </Button>
      <Dialog open={kind !== null} onClose={() => setKind(null)} title={kind ? TITLE[kind] : ""} testId="operate-dialog">
        {kind ? <ReasonForm orgSlug={orgSlug} executionId={executionId} kind={kind} onDone={() => setKind(null)} /> : null}
      </Dialog>
    </div>
  );
}

function ReasonForm({ orgSlug, executionId, kind, onDone }: { orgSlug: string; executionId: string; kind: Kind; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const options = kind === "cancel" ? trpc.executions.cancel.mutationOptions() : trpc.executions.markFailed.mutationOptions();
  const mutation = useMutation({
    ...options,
    onSuccess: async () => {
      // the list's rows, counters and the detail page all show the new status at once
      await queryClient.invalidateQueries({ queryKey: trpc.dashboard.pathKey() });
      onDone();
    },
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        mutation.mutate({ orgSlug, executionId, reason });
      }}
    >
      <p className="mb-3 truncate font-mono text-xs text-zinc-600 dark:text-zinc-400">{executionId}</p>
      <label htmlFor={`operate-reason-${kind}`} className="block text-sm font-medium">
        Reason (kept in the audit log)
      </label>
      <textarea
        id={`operate-reason-${kind}`}
        data-testid="operate-reason"
        required
        maxLength={1000}
        rows={3}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        className={cn("mt-1 block w-full rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm dark:border-zinc-700 dark:bg-zinc-950", focusRing)}
      />
      {mutation.isError ? (
        <p role="alert" className="mt-2 text-sm text-red-800 dark:text-red-200">
          {mutation.error.message}
        </p>
      ) : null}
      <div className="mt-4 flex justify-end gap-2">
        <Button onClick={onDone}>Back</Button>
        <Button type="submit" variant="danger" disabled={!reason.trim() || mutation.isPending}>
          {mutation.isPending ? "Working…" : VERB[kind]}
        </Button>
      </div>
    </form>
  );
}
