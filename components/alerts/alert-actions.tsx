"use client";

// Acknowledge and Resolve, each with an optional note, for OPERATOR and up. Other roles get
// nothing to click (the server refuses them anyway, and audits the attempt).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useCan } from "@/components/auth/org-access";
import { useTRPC } from "@/components/trpc/react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { ReasonForm } from "@/components/ui/reason-form";
import type { AlertStateName } from "./format";

type Kind = "acknowledge" | "resolve";
const TITLE: Record<Kind, string> = { acknowledge: "Acknowledge alert", resolve: "Resolve alert" };

export function AlertActions({ orgSlug, alertId, state, compact = false }: { orgSlug: string; alertId: string; state: AlertStateName; compact?: boolean }) {
  const canAck = useCan("alerts:acknowledge");
  const canResolve = useCan("alerts:resolve");
  const [kind, setKind] = useState<Kind | null>(null);
  const showAck = canAck && state === "FIRING";
  const showResolve = canResolve && state !== "RESOLVED";
  if (!showAck && !showResolve) return null;
  return (
    <div className="inline-flex gap-2" data-testid="alert-actions">
      {showAck && (
        <Button size={compact ? "sm" : "md"} variant="primary" aria-label={`Acknowledge alert ${alertId}`} onClick={() => setKind("acknowledge")}>
          Acknowledge
        </Button>
      )}
      {showResolve && (
        <Button size={compact ? "sm" : "md"} aria-label={`Resolve alert ${alertId}`} onClick={() => setKind("resolve")}>
          Resolve
        </Button>
      )}
      <Dialog open={kind !== null} onClose={() => setKind(null)} title={kind ? TITLE[kind] : ""} testId="alert-action-dialog">
        {kind ? <NoteForm orgSlug={orgSlug} alertId={alertId} kind={kind} onDone={() => setKind(null)} /> : null}
      </Dialog>
    </div>
  );
}

function NoteForm({ orgSlug, alertId, kind, onDone }: { orgSlug: string; alertId: string; kind: Kind; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const options = kind === "acknowledge" ? trpc.alerts.acknowledge.mutationOptions() : trpc.alerts.resolve.mutationOptions();
  const mutation = useMutation({
    ...options,
    onSuccess: async () => {
      // lists, counts (the nav badge), the drawer and the execution page all read alerts.*
      await queryClient.invalidateQueries({ queryKey: trpc.alerts.pathKey() });
      onDone();
    },
  });
  return (
    <ReasonForm
      id={`alert-note-${kind}`}
      testId="alert-note"
      label="Note (optional, shown on the alert and kept in the audit log)"
      required={false}
      maxLength={2000}
      submitLabel={kind === "acknowledge" ? "Acknowledge" : "Resolve"}
      submitVariant="primary"
      pending={mutation.isPending}
      error={mutation.isError ? mutation.error.message : null}
      onBack={onDone}
      onSubmit={(note) => mutation.mutate({ orgSlug, alertId, note: note || undefined })}
    />
  );
}
