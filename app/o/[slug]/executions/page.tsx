"use client";

// Placeholder list of the organization's latest executions, on the org-scoped procedures; the
// full dashboard replaces it. Operator actions are offered only to roles that may take them.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useCan, useOrgAccess } from "@/components/auth/org-access";
import { formatDuration, formatLocalDateTime, formatUtc } from "@/components/executions/format";
import { StatusBadge } from "@/components/executions/status-badge";
import { useTRPC } from "@/components/trpc/react";
import { isActive } from "@/server/executions/status";

const LIMIT = 50;
const REFRESH_MS = 10_000;
const th = "px-3 py-2 text-left text-xs font-semibold tracking-wide text-zinc-600 uppercase dark:text-zinc-400";
const td = "px-3 py-2 align-middle";

type Action = { kind: "cancel" | "markFailed"; executionId: string };

export default function ExecutionsPage() {
  const { org } = useOrgAccess();
  const canOperate = useCan("executions:operate");
  const trpc = useTRPC();
  const query = useQuery({ ...trpc.executions.latest.queryOptions({ orgSlug: org.slug, limit: LIMIT }), refetchInterval: REFRESH_MS, retry: 1 });
  const [action, setAction] = useState<Action | null>(null);

  return (
    <main className="mx-auto max-w-6xl px-4 py-8 sm:px-6">
      <header className="mb-6">
        <h1 className="text-2xl font-semibold tracking-tight">Executions</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Latest executions of {org.name}, newest first</p>
      </header>
      {query.isPending ? (
        <p data-testid="executions-loading" aria-busy="true" className="text-sm text-zinc-600 dark:text-zinc-400">
          Loading executions…
        </p>
      ) : query.isError ? (
        <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
          <p className="font-medium">Could not load executions.</p>
          <p className="mt-1">{query.error.message}</p>
          <button type="button" onClick={() => void query.refetch()} className="mt-3 rounded-md bg-red-700 px-3 py-1.5 font-medium text-white hover:bg-red-800">
            Retry
          </button>
        </div>
      ) : query.data.items.length === 0 ? (
        <p data-testid="executions-empty" className="rounded-lg border border-dashed border-zinc-300 p-8 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
          No executions yet — send events to <code className="font-mono">POST /api/v1/events</code>
        </p>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
          <table data-testid="executions-table" className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
            <caption className="sr-only">Latest executions, newest first</caption>
            <thead className="bg-zinc-50 dark:bg-zinc-900">
              <tr>
                <th scope="col" className={th}>Status</th>
                <th scope="col" className={th}>Workflow</th>
                <th scope="col" className={th}>Execution</th>
                <th scope="col" className={`${th} text-right`}>Attempt</th>
                <th scope="col" className={th}>Created</th>
                <th scope="col" className={`${th} text-right`}>Duration</th>
                {canOperate && (
                  <th scope="col" className={th}>
                    <span className="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800/70">
              {query.data.items.map((e) => (
                <tr key={e.executionId} data-testid="execution-row" data-execution-id={e.executionId} data-status={e.status} className="hover:bg-zinc-50 dark:hover:bg-zinc-900/60">
                  <td className={td}>
                    <StatusBadge status={e.status} />
                  </td>
                  <td className={`${td} font-medium`}>{e.workflowKey}</td>
                  <td className={`${td} max-w-72 truncate font-mono text-xs`} title={e.executionId}>
                    {e.executionId}
                  </td>
                  <td className={`${td} text-right tabular-nums`}>{e.attempt}</td>
                  <td className={`${td} whitespace-nowrap tabular-nums`}>
                    <time dateTime={e.createdAt.toISOString()} title={formatUtc(e.createdAt)}>
                      {formatLocalDateTime(e.createdAt)}
                    </time>
                  </td>
                  <td className={`${td} text-right whitespace-nowrap tabular-nums`}>{formatDuration(e.durationMs)}</td>
                  {canOperate && (
                    <td className={`${td} whitespace-nowrap text-right`}>
                      {isActive(e.status) && (
                        <span className="inline-flex gap-2">
                          <button
                            type="button"
                            aria-label={`Cancel execution ${e.executionId}`}
                            onClick={() => setAction({ kind: "cancel", executionId: e.executionId })}
                            className="rounded border border-zinc-300 px-2 py-0.5 text-xs font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
                          >
                            Cancel
                          </button>
                          <button
                            type="button"
                            aria-label={`Mark execution ${e.executionId} failed`}
                            onClick={() => setAction({ kind: "markFailed", executionId: e.executionId })}
                            className="rounded border border-red-300 px-2 py-0.5 text-xs font-medium text-red-800 hover:bg-red-50 dark:border-red-800 dark:text-red-200 dark:hover:bg-red-950"
                          >
                            Mark failed
                          </button>
                        </span>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {action && <OperateDialog orgSlug={org.slug} action={action} onClose={() => setAction(null)} />}
    </main>
  );
}

function OperateDialog({ orgSlug, action, onClose }: { orgSlug: string; action: Action; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ref = useRef<HTMLDialogElement>(null);
  const options = action.kind === "cancel" ? trpc.executions.cancel.mutationOptions() : trpc.executions.markFailed.mutationOptions();
  const mutation = useMutation({
    ...options,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: trpc.executions.latest.queryKey() });
      onClose();
    },
  });
  const verb = action.kind === "cancel" ? "Cancel" : "Mark failed";

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-labelledby="operate-title"
      className="m-auto w-full max-w-md rounded-lg border border-zinc-200 bg-white p-5 text-zinc-900 shadow-xl backdrop:bg-black/40 dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-100"
    >
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          const reason = String(new FormData(ev.currentTarget).get("reason") ?? "");
          mutation.mutate({ orgSlug, executionId: action.executionId, reason });
        }}
      >
        <h2 id="operate-title" className="text-lg font-semibold">
          {verb} execution
        </h2>
        <p className="mt-1 truncate font-mono text-xs text-zinc-600 dark:text-zinc-400">{action.executionId}</p>
        <label htmlFor="operate-reason" className="mt-4 block text-sm font-medium">
          Reason (recorded in the audit log)
        </label>
        <textarea id="operate-reason" name="reason" required maxLength={1000} rows={3} className="mt-1 block w-full rounded-md border border-zinc-300 px-3 py-2 text-sm dark:border-zinc-700 dark:bg-zinc-900" />
        {mutation.isError && (
          <p role="alert" className="mt-3 text-sm text-red-800 dark:text-red-200">
            {mutation.error.message}
          </p>
        )}
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" onClick={() => ref.current?.close()} className="rounded-md border border-zinc-300 px-3 py-1.5 text-sm font-medium dark:border-zinc-700">
            Back
          </button>
          <button type="submit" disabled={mutation.isPending} className="rounded-md bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-800 disabled:opacity-60">
            {mutation.isPending ? "Working…" : verb}
          </button>
        </div>
      </form>
    </dialog>
  );
}
