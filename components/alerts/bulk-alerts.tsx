"use client";

// Bulk acknowledge in the alert center: the chosen firing alerts, one reason, one audit entry,
// run as a bulk job (server/operations/bulk.ts) whose progress the dialog shows.
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { BulkProgress } from "@/components/dashboard/bulk-actions";
import { useTRPC } from "@/components/trpc/react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { ReasonForm } from "@/components/ui/reason-form";

export function BulkAlertsBar({ orgSlug, alertIds, onClear }: { orgSlug: string; alertIds: string[]; onClear: () => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const start = useMutation(trpc.alerts.bulkAcknowledge.mutationOptions({ onSuccess: (job) => setJobId(job.jobId) }));
  const close = () => {
    setOpen(false);
    setJobId(null);
  };
  return (
    <div role="region" aria-label="Bulk actions" data-testid="alerts-bulk-bar" className="mb-2 flex flex-wrap items-center gap-2 rounded-lg border border-blue-300 bg-blue-50 px-3 py-2 text-sm dark:border-blue-800 dark:bg-blue-950/50">
      <span className="font-medium">{alertIds.length} selected</span>
      <Button size="sm" variant="ghost" onClick={onClear}>
        Clear selection
      </Button>
      <Button size="sm" variant="primary" className="ml-auto" data-testid="alerts-bulk-acknowledge" onClick={() => setOpen(true)}>
        Acknowledge {alertIds.length}
      </Button>
      <Dialog open={open} onClose={close} title={`Acknowledge ${alertIds.length} alert${alertIds.length === 1 ? "" : "s"}`} testId="alerts-bulk-dialog">
        {jobId ? (
          <BulkProgress
            orgSlug={orgSlug}
            jobId={jobId}
            onClose={() => {
              close();
              onClear();
            }}
          />
        ) : (
          <ReasonForm
            id="alerts-bulk-note"
            testId="alerts-bulk-note"
            label="Note (kept on each alert and in the audit log)"
            required
            maxLength={1000}
            submitLabel={`Acknowledge ${alertIds.length}`}
            submitVariant="primary"
            pending={start.isPending}
            error={start.isError ? start.error.message : null}
            onBack={close}
            onSubmit={(reason) => start.mutate({ orgSlug, target: { kind: "alerts", alertIds }, reason })}
          />
        )}
      </Dialog>
    </div>
  );
}
