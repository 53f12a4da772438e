"use client";

// The bar above the list when rows are selected: how many, "select all N matching this filter",
// and the four bulk actions. Each opens a confirmation that names the count and the filter,
// takes a reason for the audit log, then shows the server-side job's progress until it is done.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useCan } from "@/components/auth/org-access";
import { useTRPC } from "@/components/trpc/react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { ReasonForm } from "@/components/ui/reason-form";
import type { BulkJob } from "@/server/operations/bulk";

type Action = "cancel" | "markFailed" | "acknowledgeAlerts" | "resolveAlerts";

const TITLE: Record<Action, string> = {
  cancel: "Mark cancelled in Runwatch — your engine is not told",
  markFailed: "Mark failed in Runwatch — your engine is not told",
  acknowledgeAlerts: "Acknowledge their firing alerts",
  resolveAlerts: "Resolve their open alerts",
};
const BUTTON: Record<Action, string> = { cancel: "Mark cancelled", markFailed: "Mark failed", acknowledgeAlerts: "Acknowledge alerts", resolveAlerts: "Resolve alerts" };

export type BulkSelection =
  /** chosen rows */
  | { kind: "ids"; executionIds: string[] }
  /** every execution matching the list's filter */
  | { kind: "filter"; query: string; count: number; capped: boolean };

export function BulkActionsBar({
  orgSlug,
  selection,
  filterLabel,
  pageAllSelected,
  matching,
  onSelectAllMatching,
  onClear,
}: {
  orgSlug: string;
  selection: BulkSelection;
  filterLabel: string;
  pageAllSelected: boolean;
  /** the count of executions matching the filter, for "select all N matching" */
  matching: { count: number; display: string; capped: boolean } | null;
  onSelectAllMatching: () => void;
  onClear: () => void;
}) {
  const canOperate = useCan("executions:operate");
  const canAck = useCan("alerts:acknowledge");
  const canResolve = useCan("alerts:resolve");
  const [action, setAction] = useState<Action | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const count = selection.kind === "ids" ? selection.executionIds.length : selection.count;
  const what = selection.kind === "ids" ? `${count.toLocaleString("en-US")} selected execution${count === 1 ? "" : "s"}` : `all ${count.toLocaleString("en-US")}${selection.capped ? "+" : ""} executions matching ${filterLabel}`;

  return (
    <div role="region" aria-label="Bulk actions" data-testid="bulk-bar" className="flex flex-wrap items-center gap-2 rounded-lg border border-blue-300 bg-blue-50 px-3 py-2 text-sm dark:border-blue-800 dark:bg-blue-950/50">
      <span data-testid="bulk-count" className="font-medium">
        {selection.kind === "ids" ? `${count} selected` : `All ${count.toLocaleString("en-US")}${selection.capped ? "+" : ""} matching this filter selected`}
      </span>
      {selection.kind === "ids" && pageAllSelected && matching && matching.count > count ? (
        <Button size="sm" variant="ghost" data-testid="select-all-matching" onClick={onSelectAllMatching}>
          Select all {matching.display} matching this filter
        </Button>
      ) : null}
      <Button size="sm" variant="ghost" onClick={onClear}>
        Clear selection
      </Button>
      <span className="ml-auto flex flex-wrap gap-2">
        {canOperate ? (
          <>
            <Button size="sm" data-testid="bulk-cancel" onClick={() => setAction("cancel")}>
              {BUTTON.cancel}
            </Button>
            <Button size="sm" variant="danger" data-testid="bulk-mark-failed" onClick={() => setAction("markFailed")}>
              {BUTTON.markFailed}
            </Button>
          </>
        ) : null}
        {canAck ? (
          <Button size="sm" data-testid="bulk-acknowledge" onClick={() => setAction("acknowledgeAlerts")}>
            {BUTTON.acknowledgeAlerts}
          </Button>
        ) : null}
        {canResolve ? (
          <Button size="sm" data-testid="bulk-resolve" onClick={() => setAction("resolveAlerts")}>
            {BUTTON.resolveAlerts}
          </Button>
        ) : null}
      </span>
      <Dialog
        open={action !== null}
        onClose={() => {
          setAction(null);
          setJobId(null);
        }}
        title={action ? TITLE[action] : ""}
        testId="bulk-dialog"
      >
        {action && jobId ? (
          <BulkProgress
            orgSlug={orgSlug}
            jobId={jobId}
            onClose={() => {
              setAction(null);
              setJobId(null);
              onClear();
            }}
          />
        ) : action ? (
          <BulkConfirm orgSlug={orgSlug} action={action} selection={selection} what={what} onStarted={setJobId} onBack={() => setAction(null)} />
        ) : null}
      </Dialog>
    </div>
  );
}

function BulkConfirm({ orgSlug, action, selection, what, onStarted, onBack }: { orgSlug: string; action: Action; selection: BulkSelection; what: string; onStarted: (jobId: string) => void; onBack: () => void }) {
  const trpc = useTRPC();
  const options = {
    cancel: trpc.executions.bulkCancel.mutationOptions(),
    markFailed: trpc.executions.bulkMarkFailed.mutationOptions(),
    acknowledgeAlerts: trpc.alerts.bulkAcknowledge.mutationOptions(),
    resolveAlerts: trpc.alerts.bulkResolve.mutationOptions(),
  }[action];
  // the four procedures take and return the same shapes; only their permission differs
  const mutation = useMutation({ ...(options as ReturnType<typeof trpc.executions.bulkCancel.mutationOptions>), onSuccess: (job: BulkJob) => onStarted(job.jobId) });
  const target = selection.kind === "ids" ? { kind: "ids" as const, executionIds: selection.executionIds } : { kind: "filter" as const, query: selection.query };
  const alerts = action === "acknowledgeAlerts" || action === "resolveAlerts";
  return (
    <ReasonForm
      id="bulk-reason"
      testId="bulk-reason"
      label="Reason (kept in the audit log)"
      required
      maxLength={1000}
      submitLabel={`${BUTTON[action]} (${selection.kind === "ids" ? selection.executionIds.length : selection.count})`}
      submitVariant={action === "markFailed" ? "danger" : "primary"}
      pending={mutation.isPending}
      error={mutation.isError ? mutation.error.message : null}
      onBack={onBack}
      onSubmit={(reason) => mutation.mutate({ orgSlug, target, reason })}
    >
      <p data-testid="bulk-summary" className="mb-2 text-sm">
        {alerts ? "The open alerts of " : "Applies to the active ones among "}
        <strong>{what}</strong>.
      </p>
      {!alerts ? (
        <p className="mb-3 text-xs text-zinc-600 dark:text-zinc-400">
          Runwatch records the new status; it cannot stop the runs in your engine. Finished executions are left as they are. One audit entry records the filter and the count.
        </p>
      ) : null}
    </ReasonForm>
  );
}

export function BulkProgress({ orgSlug, jobId, onClose }: { orgSlug: string; jobId: string; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const job = useQuery({
    ...trpc.executions.bulkJob.queryOptions({ orgSlug, jobId }),
    refetchInterval: (q) => (q.state.data && q.state.data.state !== "running" ? false : 500),
  });
  const j = job.data;
  const done = j && j.state !== "running";
  const pct = j && j.total > 0 ? Math.round((j.processed / j.total) * 100) : done ? 100 : 0;
  return (
    <div data-testid="bulk-progress" data-state={j?.state ?? "starting"} data-changed={j?.changed} data-total={j?.total}>
      <p className="text-sm" role="status" aria-live="polite">
        {!j ? "Starting…" : done ? (j.state === "done" ? `Done: ${j.changed.toLocaleString("en-US")} changed, ${j.skipped.toLocaleString("en-US")} left as they were.` : `Stopped: ${j.error ?? j.state}`) : `Working: ${j.processed.toLocaleString("en-US")} of ${j.total.toLocaleString("en-US")}…`}
      </p>
      <progress className="mt-2 h-2 w-full" max={100} value={pct} aria-label="Progress">
        {pct}%
      </progress>
      <div className="mt-4 flex justify-end">
        <Button
          variant={done ? "primary" : "secondary"}
          onClick={() => {
            void queryClient.invalidateQueries({ queryKey: trpc.dashboard.pathKey() });
            void queryClient.invalidateQueries({ queryKey: trpc.alerts.pathKey() });
            onClose();
          }}
        >
          {done ? "Close" : "Close (the job goes on)"}
        </Button>
      </div>
    </div>
  );
}
