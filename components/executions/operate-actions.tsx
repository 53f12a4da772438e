"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { ReasonForm } from "@/components/ui/reason-form";

type Kind = "cancel" | "markFailed";
const VERB: Record<Kind, string> = { cancel: "Mark cancelled", markFailed: "Mark failed" };
// Runwatch records the status; it has no way to stop the run in the engine, and says so
export const OPERATE_TITLE: Record<Kind, string> = {
  cancel: "Mark cancelled in Runwatch — your engine is not told",
  markFailed: "Mark failed in Runwatch — your engine is not told",
};

/**
 * Cancel / Mark failed with a reason, on one active execution. Render it only for roles with
 * executions:operate (the server refuses the others anyway). `compact` is the list row's form.
 */
export function OperateActions({ orgSlug, executionId, compact = false }: { orgSlug: string; executionId: string; compact?: boolean }) {
  const [kind, setKind] = useState<Kind | null>(null);
  return (
    <div className="inline-flex gap-2" data-testid="operate-actions">
      <Button size={compact ? "sm" : "md"} aria-label={`Mark execution ${executionId} cancelled`} onClick={() => setKind("cancel")}>
        Mark cancelled
      </Button>
      <Button size={compact ? "sm" : "md"} variant="danger" aria-label={`Mark execution ${executionId} failed`} onClick={() => setKind("markFailed")}>
        Mark failed
      </Button>
      <Dialog open={kind !== null} onClose={() => setKind(null)} title={kind ? OPERATE_TITLE[kind] : ""} testId="operate-dialog">
        {kind ? <OperateForm orgSlug={orgSlug} executionId={executionId} kind={kind} onDone={() => setKind(null)} /> : null}
      </Dialog>
    </div>
  );
}

function OperateForm({ orgSlug, executionId, kind, onDone }: { orgSlug: string; executionId: string; kind: Kind; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
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
    <ReasonForm
      id={`operate-reason-${kind}`}
      testId="operate-reason"
      label="Reason (kept in the audit log)"
      required
      maxLength={1000}
      submitLabel={VERB[kind]}
      submitVariant="danger"
      pending={mutation.isPending}
      error={mutation.isError ? mutation.error.message : null}
      onBack={onDone}
      onSubmit={(reason) => mutation.mutate({ orgSlug, executionId, reason })}
    >
      <p className="mb-3 truncate font-mono text-xs text-zinc-600 dark:text-zinc-400">{executionId}</p>
    </ReasonForm>
  );
}
