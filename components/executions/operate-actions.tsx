"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/react";
import { Button } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { Dialog } from "@/components/ui/dialog";

type Kind = "cancel" | "markFailed";
const VERB: Record<Kind, string> = { cancel: "Cancel", markFailed: "Mark failed" };

/** Cancel / Mark failed with a reason. Render it only for roles with executions:operate. */
export function OperateActions({ orgSlug, executionId }: { orgSlug: string; executionId: string }) {
  const [kind, setKind] = useState<Kind | null>(null);
  return (
    <div className="flex gap-2" data-testid="operate-actions">
      <Button onClick={() => setKind("cancel")}>Cancel execution</Button>
      <Button variant="danger" onClick={() => setKind("markFailed")}>
        Mark failed
      </Button>
      <Dialog open={kind !== null} onClose={() => setKind(null)} title={kind ? `${VERB[kind]}: ${executionId}` : ""} testId="operate-dialog">
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
      await queryClient.invalidateQueries({ queryKey: trpc.dashboard.detail.queryKey({ orgSlug, executionId }) });
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
      <label htmlFor="operate-reason" className="block text-sm font-medium">
        Reason (kept in the audit log)
      </label>
      <textarea
        id="operate-reason"
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
