"use client";

// One execution: header and times, lifecycle stages with a bar chart, every event received (with
// why an event changed nothing), error, input/output, ContinueAsNew chain, parent and children,
// audit entries, and the operator actions the role allows. Polls while the execution is active.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useCan } from "@/components/auth/org-access";
import { LazyStageBars } from "@/components/charts/lazy";
import { useNow } from "@/components/dashboard/hooks";
import { useTRPC } from "@/components/trpc/react";
import { Badge } from "@/components/ui/badge";
import { cn, focusRing } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { JsonView } from "@/components/ui/json-view";
import { Skeleton } from "@/components/ui/skeleton";
import { Time } from "@/components/ui/time";
import type { ExecutionDetail, ExecutionLink, TimelineItem } from "@/server/executions/detail";
import { isActive } from "@/server/executions/status";
import { executionHref, formatDuration, STATUS_LABELS } from "./format";
import { ExecutionAlerts } from "@/components/alerts/execution-alerts";
import { OperateActions } from "./operate-actions";
import { StatusBadge } from "./status-badge";
import { StuckFlag } from "./stuck-flag";

export const DETAIL_ACTIVE_MS = 3_000;
export const DETAIL_TERMINAL_MS = 30_000;

const card = "rounded-lg border border-zinc-200 p-4 dark:border-zinc-800";
const h2 = "mb-3 text-sm font-semibold";
const th = "px-2 py-1.5 text-left text-xs font-semibold whitespace-nowrap text-zinc-600 uppercase dark:text-zinc-400";
const td = "px-2 py-1.5 align-top";
const link = cn("rounded text-blue-700 underline-offset-2 hover:underline dark:text-blue-300", focusRing);

const OUTCOME_TONE = { applied: "success", duplicate: "neutral", stale: "warning", rejected: "danger" } as const;

export function ExecutionDetailView({ orgSlug, executionId }: { orgSlug: string; executionId: string }) {
  const trpc = useTRPC();
  const canOperate = useCan("executions:operate");
  const q = useQuery({
    ...trpc.dashboard.detail.queryOptions({ orgSlug, executionId }),
    refetchInterval: (query) => (query.state.data && !isActive(query.state.data.execution.status) ? DETAIL_TERMINAL_MS : DETAIL_ACTIVE_MS),
    retry: (n, err) => n < 1 && err.data?.code !== "NOT_FOUND",
  });

  if (q.isPending) return <DetailSkeleton />;
  if (q.isError) {
    if (q.error.data?.code === "NOT_FOUND")
      return (
        <EmptyState testId="execution-not-found" title="Execution not found">
          No execution <code className="font-mono">{executionId}</code> here.{" "}
          <Link className={link} href={`/o/${encodeURIComponent(orgSlug)}/executions`}>
            Back to executions
          </Link>
        </EmptyState>
      );
    return <ErrorState title="Could not load this execution." error={q.error} onRetry={() => void q.refetch()} retrying={q.isFetching} />;
  }
  const d = q.data;
  return (
    <div className="space-y-4" data-testid="execution-detail" data-status={d.execution.status}>
      <Header orgSlug={orgSlug} d={d} actions={canOperate && isActive(d.execution.status) ? <OperateActions orgSlug={orgSlug} executionId={d.execution.executionId} /> : null} />
      <ExecutionAlerts orgSlug={orgSlug} executionId={d.execution.executionId} />
      <Stages d={d} />
      <Events events={d.events} truncated={d.eventsTruncated} />
      <div className="grid gap-4 lg:grid-cols-2">
        <ErrorPanel error={d.execution.error} />
        <section aria-labelledby="io-heading" className={cn(card, "space-y-2")}>
          <h2 id="io-heading" className={h2}>
            Input and output
          </h2>
          <JsonView label="Input" value={d.execution.input} testId="json-input" />
          <JsonView label="Output" value={d.execution.output} testId="json-output" />
          <JsonView label="Metadata" value={d.execution.metadata} testId="json-metadata" />
        </section>
      </div>
      <Relations orgSlug={orgSlug} d={d} />
      <Audit entries={d.audit} />
    </div>
  );
}

function Header({ orgSlug, d, actions }: { orgSlug: string; d: ExecutionDetail; actions: React.ReactNode }) {
  const now = useNow();
  const e = d.execution;
  const facts: [string, React.ReactNode][] = [
    [
      "Workflow",
      <Link key="w" className={link} href={`/o/${encodeURIComponent(orgSlug)}/workflows/${encodeURIComponent(e.workflow)}`}>
        {e.workflow}
      </Link>,
    ],
    ["Attempt", e.attempt],
    ["Created", <Time key="c" value={e.createdAt} />],
    ["Started", <Time key="s" value={e.startedAt} />],
    ["Completed", <Time key="d" value={e.completedAt} />],
    ["Last heartbeat", <Time key="h" value={e.lastHeartbeatAt} />],
    ["Queue time", <span key="q" data-testid="queue-time">{formatDuration(d.times.queueMs)}</span>],
    ["Run time", <span key="r" data-testid="run-time">{formatDuration(d.times.runMs)}</span>],
    ["Total time", <span key="t" data-testid="total-time">{formatDuration(d.times.totalMs)}</span>],
  ];
  if (d.chain.currentExecutionId !== e.executionId)
    facts.push([
      "Current run",
      <Link key="cur" className={cn(link, "font-mono text-xs")} href={executionHref(orgSlug, d.chain.currentExecutionId)}>
        {d.chain.currentExecutionId}
      </Link>,
    ]);
  return (
    <section aria-labelledby="exec-heading" className={card}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="text-xs text-zinc-600 dark:text-zinc-400">Execution</p>
          <h1 id="exec-heading" className="truncate font-mono text-lg font-semibold" title={e.executionId}>
            {e.executionId}
          </h1>
          <div className="mt-1 flex flex-wrap items-center gap-2" data-testid="detail-status">
            <StatusBadge status={e.status} />
            <StuckFlag reason={e.stuckReason} since={e.stuckSince} now={now} />
          </div>
        </div>
        {actions}
      </div>
      <dl className="mt-4 grid grid-cols-2 gap-x-6 gap-y-2 text-sm sm:grid-cols-3 lg:grid-cols-5">
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt className="text-xs text-zinc-600 dark:text-zinc-400">{k}</dt>
            <dd className="tabular-nums">{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function Stages({ d }: { d: ExecutionDetail }) {
  return (
    <section aria-labelledby="stages-heading" className={card} data-testid="stages">
      <h2 id="stages-heading" className={h2}>
        Lifecycle
      </h2>
      <div className="grid gap-4 lg:grid-cols-2">
        <table className="text-sm">
          <caption className="sr-only">Stages, in the order they were entered</caption>
          <thead>
            <tr>
              <th scope="col" className={th}>Stage</th>
              <th scope="col" className={th}>Entered</th>
              <th scope="col" className={cn(th, "text-right")}>Time in it</th>
            </tr>
          </thead>
          <tbody>
            {d.stages.map((s, i) => (
              <tr key={i} data-testid="stage-row" data-status={s.status}>
                <td className={td}>
                  <StatusBadge status={s.status} />
                  {s.current ? <span className="ml-1 text-xs text-zinc-600 dark:text-zinc-400">now</span> : null}
                </td>
                <td className={cn(td, "tabular-nums")}>
                  <Time value={s.start} />
                </td>
                <td className={cn(td, "text-right tabular-nums")}>{s.durationMs === null ? "—" : formatDuration(s.durationMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <LazyStageBars stages={d.stages} />
      </div>
    </section>
  );
}

/** "waited 12 s" for an event kept as deferred until its execution existed (rule 9). */
function Waited({ ms }: { ms: number | null }) {
  if (ms === null) return null;
  return (
    <span className="ml-1 whitespace-nowrap text-xs text-amber-800 dark:text-amber-200" data-testid="event-waited" title="kept as deferred until an event created the execution">
      waited {formatWaited(ms)}
    </span>
  );
}

function formatWaited(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : formatDuration(ms);
}

function Events({ events, truncated }: { events: TimelineItem[]; truncated: boolean }) {
  return (
    <section aria-labelledby="events-heading" className={card} data-testid="events">
      <h2 id="events-heading" className={h2}>
        Timeline ({events.length.toLocaleString("en-US")} {events.length === 1 ? "item" : "items"}
        {truncated ? ", first 1,000 shown" : ""})
      </h2>
      {events.length === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">No events stored for this execution.</p>
      ) : (
        <div className="relative overflow-x-auto" tabIndex={0} role="region" aria-label="Every event received">
          <table className="min-w-full text-sm">
            <caption className="sr-only">
              Events by when they occurred, with what each did; heartbeats are one row per attempt, repeats of an eventId are counted on its row
            </caption>
            <thead>
              <tr>
                <th scope="col" className={th}>Occurred</th>
                <th scope="col" className={th}>Received</th>
                <th scope="col" className={th}>Event</th>
                <th scope="col" className={th}>Reported</th>
                <th scope="col" className={cn(th, "text-right")}>Attempt</th>
                <th scope="col" className={th}>Outcome</th>
                <th scope="col" className={th}>Why</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800/70">
              {events.map((ev) =>
                ev.type === "heartbeat" ? (
                  <tr key={ev.id} data-testid="heartbeat-row" data-attempt={ev.attempt} data-count={ev.count}>
                    <td className={cn(td, "whitespace-nowrap tabular-nums")}>
                      <Time value={ev.firstOccurredAt} />
                      {ev.count > 1 ? (
                        <>
                          {" – "}
                          <Time value={ev.lastOccurredAt} />
                        </>
                      ) : null}
                    </td>
                    <td className={cn(td, "text-zinc-500")}>—</td>
                    <td className={cn(td, "text-xs text-zinc-600 dark:text-zinc-400")}>—</td>
                    <td className={cn(td, "whitespace-nowrap")} data-testid="heartbeat-count">
                      {ev.count.toLocaleString("en-US")} {ev.count === 1 ? "heartbeat" : "heartbeats"}
                      <Waited ms={ev.waitedMs} />
                    </td>
                    <td className={cn(td, "text-right tabular-nums")}>{ev.attempt}</td>
                    <td className={td} />
                    <td className={cn(td, "text-xs")} />
                  </tr>
                ) : (
                  <tr key={ev.id} data-testid="event-row" data-event-id={ev.eventId} data-outcome={ev.outcome.toUpperCase()}>
                    <td className={cn(td, "whitespace-nowrap tabular-nums")}>
                      <Time value={ev.occurredAt} />
                    </td>
                    <td className={cn(td, "whitespace-nowrap tabular-nums")}>
                      <Time value={ev.receivedAt} />
                      <Waited ms={ev.waitedMs} />
                    </td>
                    <td className={cn(td, "max-w-48 truncate font-mono text-xs")} title={ev.eventId}>
                      {ev.eventId}
                      {ev.repeats > 0 ? (
                        <span className="ml-1 font-sans text-zinc-600 dark:text-zinc-400" data-testid="event-repeats">
                          ×{ev.repeats + 1}
                          <span className="sr-only"> (received {ev.repeats + 1} times)</span>
                        </span>
                      ) : null}
                    </td>
                    <td className={cn(td, "whitespace-nowrap")}>{ev.status ? STATUS_LABELS[ev.status] : "—"}</td>
                    <td className={cn(td, "text-right tabular-nums")}>{ev.attempt}</td>
                    <td className={td}>
                      <Badge tone={OUTCOME_TONE[ev.outcome]} data-testid="event-outcome">
                        {ev.outcome}
                      </Badge>
                    </td>
                    <td className={cn(td, "text-xs")} data-testid="event-reason">
                      {ev.reason ?? (ev.statusBefore && ev.statusAfter && ev.statusBefore !== ev.statusAfter ? `${STATUS_LABELS[ev.statusBefore]} → ${STATUS_LABELS[ev.statusAfter]}` : "")}
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function errorParts(error: unknown): { message: string; code?: string; stack?: string } | null {
  if (error === null || error === undefined) return null;
  if (typeof error === "string") return { message: error };
  if (typeof error === "object") {
    const e = error as Record<string, unknown>;
    return {
      message: typeof e.message === "string" ? e.message : JSON.stringify(error),
      code: typeof e.code === "string" ? e.code : undefined,
      stack: typeof e.stack === "string" ? e.stack : undefined,
    };
  }
  return { message: String(error) };
}

function ErrorPanel({ error }: { error: unknown }) {
  const e = errorParts(error);
  return (
    <section aria-labelledby="error-heading" className={card} data-testid="execution-error">
      <h2 id="error-heading" className={h2}>
        Error
      </h2>
      {!e ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">No error reported.</p>
      ) : (
        <div className="space-y-2 text-sm">
          <p className="font-medium text-red-800 dark:text-red-200">
            {e.code ? <code className="mr-2 font-mono text-xs">{e.code}</code> : null}
            {e.message}
          </p>
          {e.stack ? <pre className="max-h-72 overflow-auto rounded bg-zinc-50 p-3 font-mono text-xs dark:bg-zinc-900">{e.stack}</pre> : null}
        </div>
      )}
    </section>
  );
}

function LinkList({ orgSlug, links, empty }: { orgSlug: string; links: ExecutionLink[]; empty: string }) {
  if (!links.length) return <p className="text-sm text-zinc-600 dark:text-zinc-400">{empty}</p>;
  return (
    <ul className="space-y-1 text-sm">
      {links.map((l) => (
        <li key={l.executionId} className="flex items-center gap-2">
          {l.status ? <StatusBadge status={l.status} /> : <Badge>unknown here</Badge>}
          <Link className={cn(link, "truncate font-mono text-xs")} href={executionHref(orgSlug, l.executionId)}>
            {l.executionId}
          </Link>
        </li>
      ))}
    </ul>
  );
}

function Relations({ orgSlug, d }: { orgSlug: string; d: ExecutionDetail }) {
  return (
    <section aria-labelledby="rel-heading" className={card} data-testid="relations">
      <h2 id="rel-heading" className={h2}>
        Related executions
      </h2>
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <div data-testid="chain-previous">
          <h3 className="mb-1 text-xs font-semibold text-zinc-600 uppercase dark:text-zinc-400">Continued from</h3>
          <LinkList orgSlug={orgSlug} links={d.chain.previous} empty="First run of its chain." />
        </div>
        <div data-testid="chain-next">
          <h3 className="mb-1 text-xs font-semibold text-zinc-600 uppercase dark:text-zinc-400">Continued as new</h3>
          <LinkList orgSlug={orgSlug} links={d.chain.next} empty="Not continued." />
          {d.chain.truncated ? <p className="text-xs text-zinc-600 dark:text-zinc-400">Chain longer than shown.</p> : null}
        </div>
        <div data-testid="parent">
          <h3 className="mb-1 text-xs font-semibold text-zinc-600 uppercase dark:text-zinc-400">Parent</h3>
          <LinkList orgSlug={orgSlug} links={d.parent ? [d.parent] : []} empty="No parent." />
        </div>
        <div data-testid="children">
          <h3 className="mb-1 text-xs font-semibold text-zinc-600 uppercase dark:text-zinc-400">Children</h3>
          <LinkList orgSlug={orgSlug} links={d.children} empty="No children." />
          {d.childrenTruncated ? <p className="text-xs text-zinc-600 dark:text-zinc-400">First 100 shown.</p> : null}
        </div>
      </div>
    </section>
  );
}

function Audit({ entries }: { entries: ExecutionDetail["audit"] }) {
  return (
    <section aria-labelledby="audit-heading" className={card} data-testid="execution-audit">
      <h2 id="audit-heading" className={h2}>
        Audit
      </h2>
      {entries.length === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">No one has acted on this execution.</p>
      ) : (
        <ul className="space-y-2 text-sm">
          {entries.map((a) => {
            const reason = (a.details as { reason?: unknown } | null)?.reason;
            return (
              <li key={a.id} data-testid="audit-entry" className="flex flex-wrap items-center gap-2">
                <Time value={a.at} className="tabular-nums" />
                <span className="font-medium">{a.actorLabel}</span>
                <code className="font-mono text-xs">{a.action}</code>
                {a.success ? <Badge tone="success">done</Badge> : <Badge tone="danger">refused</Badge>}
                {typeof reason === "string" ? <span className="text-zinc-700 dark:text-zinc-300">“{reason}”</span> : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function DetailSkeleton() {
  return (
    <div aria-busy="true" data-testid="execution-loading" className="space-y-4">
      <span className="sr-only" role="status">
        Loading execution…
      </span>
      <Skeleton className="h-40 w-full" />
      <Skeleton className="h-48 w-full" />
      <Skeleton className="h-64 w-full" />
    </div>
  );
}
