"use client";

// One alert in a side drawer (?alert=<id>): what fired, its execution, the timeline with notes,
// and every delivery attempt to every channel (time, channel, status code, latency, error).
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useRef } from "react";
import { td, th } from "@/components/settings/fields";
import { useTRPC } from "@/components/trpc/react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { JsonView } from "@/components/ui/json-view";
import { LoadingRegion, Skeleton } from "@/components/ui/skeleton";
import { Time } from "@/components/ui/time";
import { AlertActions } from "./alert-actions";
import { STATE_LABEL, STATE_TONE, eventLabel, executionsWindowHref, missedSlotOf, reasonLabel, resolutionLabel } from "./format";
import { executionHref } from "../executions/format";

export function AlertDrawer({ orgSlug, alertId, onClose }: { orgSlug: string; alertId: string | null; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (alertId && !el.open) el.showModal();
    if (!alertId && el.open) el.close();
  }, [alertId]);
  return (
    <dialog
      ref={ref}
      aria-labelledby="alert-drawer-title"
      data-testid="alert-drawer"
      // only the drawer's own close: React also hands it the close of a dialog inside it (the
      // acknowledge / resolve note), which must leave the drawer and ?alert= as they are
      onClose={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
      // a right-hand drawer on <dialog>: focus trapped, Escape closes, focus returns
      className="fixed inset-y-0 right-0 left-auto m-0 h-full max-h-none w-full max-w-2xl overflow-y-auto border-l border-zinc-200 bg-white p-0 text-zinc-900 shadow-xl backdrop:bg-black/40 dark:border-zinc-700 dark:bg-zinc-950 dark:text-zinc-100"
    >
      {alertId ? <AlertDetail orgSlug={orgSlug} alertId={alertId} onClose={onClose} /> : null}
    </dialog>
  );
}

function AlertDetail({ orgSlug, alertId, onClose }: { orgSlug: string; alertId: string; onClose: () => void }) {
  const trpc = useTRPC();
  const query = useQuery({ ...trpc.alerts.get.queryOptions({ orgSlug, alertId }), refetchInterval: 10_000 });
  const a = query.data;

  return (
    <div className="p-5">
      <div className="flex items-start justify-between gap-3">
        <h2 id="alert-drawer-title" className="text-lg font-semibold">
          {a ? reasonLabel(a.reason) : `Alert ${alertId}`}
        </h2>
        <Button size="sm" variant="ghost" onClick={onClose} aria-label="Close alert details">
          Close
        </Button>
      </div>

      {query.isPending ? (
        <LoadingRegion label="Loading the alert…" testId="alert-detail-loading" className="mt-4 space-y-3">
          <Skeleton className="h-24 w-full" />
          <Skeleton className="h-40 w-full" />
        </LoadingRegion>
      ) : query.isError ? (
        <ErrorState
          className="mt-4"
          title={query.error.data?.code === "NOT_FOUND" ? "This alert does not exist in this organization." : "Could not load the alert."}
          error={query.error}
          onRetry={query.error.data?.code === "NOT_FOUND" ? undefined : () => void query.refetch()}
          retrying={query.isFetching}
        />
      ) : (
        <div className="mt-4 space-y-6" data-testid="alert-detail" data-state={a!.state}>
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
            <dt className="text-zinc-600 dark:text-zinc-400">State</dt>
            <dd>
              <Badge tone={STATE_TONE[a!.state]}>{STATE_LABEL[a!.state]}</Badge>
              {a!.state === "RESOLVED" && a!.resolution ? <span className="ml-2 text-xs">{resolutionLabel(a!.resolution)}</span> : null}
            </dd>
            <dt className="text-zinc-600 dark:text-zinc-400">Execution</dt>
            <dd>
              {a!.executionId ? (
                <Link href={executionHref(orgSlug, a!.executionId)} prefetch={false} className="font-mono text-xs break-all text-blue-800 underline underline-offset-2 dark:text-blue-300">
                  {a!.executionId}
                </Link>
              ) : (
                "whole workflow"
              )}
              {a!.statusAtFiring ? <span className="ml-2 text-xs text-zinc-600 dark:text-zinc-400">was {a!.statusAtFiring}{a!.executionStatus ? `, now ${a!.executionStatus}` : ""}</span> : null}
            </dd>
            <dt className="text-zinc-600 dark:text-zinc-400">Workflow</dt>
            <dd className="font-mono text-xs">{a!.workflow}</dd>
            {a!.reason === "missed" ? <MissedSlotLine orgSlug={orgSlug} workflow={a!.workflow} details={a!.details} /> : null}
            <dt className="text-zinc-600 dark:text-zinc-400">Since</dt>
            <dd className="tabular-nums">
              <Time value={a!.since} />
            </dd>
            <dt className="text-zinc-600 dark:text-zinc-400">Fired</dt>
            <dd className="tabular-nums">
              <Time value={a!.firedAt} />
            </dd>
            {a!.acknowledgedBy ? (
              <>
                <dt className="text-zinc-600 dark:text-zinc-400">Acknowledged</dt>
                <dd>
                  {a!.acknowledgedBy} · <Time value={a!.acknowledgedAt} />
                </dd>
              </>
            ) : null}
            {a!.resolvedAt ? (
              <>
                <dt className="text-zinc-600 dark:text-zinc-400">Resolved</dt>
                <dd>
                  {a!.resolvedBy ?? "—"} · <Time value={a!.resolvedAt} />
                </dd>
              </>
            ) : null}
            {a!.timedOutAt ? (
              <>
                <dt className="text-zinc-600 dark:text-zinc-400">Marked TIMED_OUT</dt>
                <dd>
                  <Time value={a!.timedOutAt} />
                </dd>
              </>
            ) : null}
          </dl>

          <AlertActions orgSlug={orgSlug} alertId={a!.id} state={a!.state} />

          {a!.details != null ? <JsonView label="Rule details" value={a!.details} /> : null}

          <section aria-labelledby="alert-timeline-title">
            <h3 id="alert-timeline-title" className="text-sm font-semibold">
              Timeline
            </h3>
            {a!.events.length === 0 ? (
              <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">No events recorded.</p>
            ) : (
              <ol className="mt-2 space-y-2 border-l border-zinc-200 pl-4 text-sm dark:border-zinc-800" data-testid="alert-timeline">
                {a!.events.map((e, i) => (
                  <li key={i}>
                    <span className="font-medium">{eventLabel(e.kind)}</span> by {e.actor} · <Time value={e.at} className="tabular-nums" />
                    {e.note ? <p className="mt-0.5 text-zinc-700 dark:text-zinc-300">{e.note}</p> : null}
                  </li>
                ))}
              </ol>
            )}
          </section>

          <section aria-labelledby="alert-deliveries-title">
            <h3 id="alert-deliveries-title" className="text-sm font-semibold">
              Delivery attempts
            </h3>
            {a!.deliveries.length === 0 ? (
              <EmptyState title="No delivery attempts" className="mt-2 p-4" testId="alert-deliveries-empty">
                {a!.stormId ? "This alert was part of a storm: channels got one grouped notification." : "Add a channel in Settings → Alerts to be notified."}
              </EmptyState>
            ) : (
              <div tabIndex={0} className="relative mt-2 overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
                <table className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800" data-testid="alert-deliveries">
                  <caption className="sr-only">Every delivery attempt of this alert&apos;s notifications</caption>
                  <thead className="bg-zinc-50 dark:bg-zinc-900">
                    <tr>
                      <th scope="col" className={th}>Time</th>
                      <th scope="col" className={th}>Channel</th>
                      <th scope="col" className={th}>Message</th>
                      <th scope="col" className={th}>Status</th>
                      <th scope="col" className={th}>Latency</th>
                      <th scope="col" className={th}>Error</th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800/70">
                    {a!.deliveries.map((d) => (
                      <tr key={`${d.notificationId}-${d.attempt}`}>
                        <td className={`${td} whitespace-nowrap tabular-nums`}>
                          <Time value={d.at} />
                          <span className="block text-xs text-zinc-600 dark:text-zinc-400">attempt {d.attempt}</span>
                        </td>
                        <td className={td}>
                          {d.channelName ?? "deleted channel"}
                          {d.channelType ? <span className="block text-xs text-zinc-600 dark:text-zinc-400">{d.channelType}</span> : null}
                        </td>
                        <td className={`${td} font-mono text-xs`}>{d.type}</td>
                        <td className={td}>
                          <Badge tone={d.ok ? "success" : "danger"}>{d.statusCode ?? (d.ok ? "sent" : "no answer")}</Badge>
                        </td>
                        <td className={`${td} tabular-nums`}>{d.latencyMs} ms</td>
                        <td className={`${td} max-w-56 text-xs break-words`}>{d.error ?? "—"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </div>
      )}
    </div>
  );
}

function MissedSlotLine({ orgSlug, workflow, details }: { orgSlug: string; workflow: string; details: unknown }) {
  const m = missedSlotOf(details);
  if (!m) return null;
  const slot = Date.parse(m.slot);
  return (
    <>
      <dt className="text-zinc-600 dark:text-zinc-400">Missed slot</dt>
      <dd className="tabular-nums" data-testid="alert-missed-slot">
        <Time value={m.slot} />
        {m.count > 1 ? <span className="ml-2 text-xs">{m.count} slots in a row</span> : null}
        <Link
          href={executionsWindowHref(orgSlug, workflow, new Date(slot - 3_600_000), new Date(slot + 3_600_000))}
          prefetch={false}
          className="ml-2 text-xs text-blue-800 underline underline-offset-2 dark:text-blue-300"
        >
          executions around it
        </Link>
      </dd>
    </>
  );
}
