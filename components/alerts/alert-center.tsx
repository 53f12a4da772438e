"use client";

// The alert center: Firing / Acknowledged / Resolved tabs (the tab in the URL), each a keyset-paged
// list, and the alert drawer opened by ?alert=<id> (the link the webhooks send).
import { formatCappedCount } from "@/server/aggregates/capped-count";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { createParser, parseAsStringLiteral, useQueryStates } from "nuqs";
import { Fragment, useRef, useState } from "react";
import { useCan, useOrgAccess } from "@/components/auth/org-access";
import { BulkAlertsBar } from "./bulk-alerts";
import { td, th } from "@/components/settings/fields";
import { useTRPC } from "@/components/trpc/react";
import { LoadMore } from "@/components/ui/load-more";
import { Badge } from "@/components/ui/badge";
import { Button, buttonClasses } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { LoadingRegion, Skeleton } from "@/components/ui/skeleton";
import { Time } from "@/components/ui/time";
import { AlertActions } from "./alert-actions";
import { AlertDrawer } from "./alert-drawer";
import { ALERT_TABS, STATE_LABEL, STATE_TONE, TAB_LABEL, TAB_STATE, executionsWindowHref, missedSlotOf, reasonLabel, resolutionLabel, type AlertTab } from "./format";
import { executionHref } from "../executions/format";

const PAGE = 50;

// an alert id is a bigint: anything else decodes to "no alert open"
const alertIdParser = createParser({ parse: (v: string) => (/^\d{1,19}$/.test(v) ? v : null), serialize: (v: string) => v });

export const alertCenterParsers = {
  tab: parseAsStringLiteral(ALERT_TABS).withDefault("firing"),
  alert: alertIdParser,
  /** group=workflow: the list in one block per workflow */
  group: parseAsStringLiteral(["none", "workflow"] as const).withDefault("none"),
};

export function AlertCenter() {
  const { org, permissions } = useOrgAccess();
  const trpc = useTRPC();
  const [{ tab, alert, group }, setUrl] = useQueryStates(alertCenterParsers, { history: "push" });
  const counts = useQuery({ ...trpc.alerts.counts.queryOptions({ orgSlug: org.slug }), refetchInterval: 10_000 });
  const tabRefs = useRef<Record<AlertTab, HTMLButtonElement | null>>({ firing: null, acknowledged: null, resolved: null });

  const tabCount = (t: AlertTab) =>
    !counts.data ? null : t === "firing" ? formatCappedCount(counts.data.firing, counts.data.capped) : t === "acknowledged" ? formatCappedCount(counts.data.acknowledged, counts.data.capped) : null;

  const onTabKey = (e: React.KeyboardEvent, current: AlertTab) => {
    const i = ALERT_TABS.indexOf(current);
    const next = e.key === "ArrowRight" ? ALERT_TABS[(i + 1) % 3] : e.key === "ArrowLeft" ? ALERT_TABS[(i + 2) % 3] : null;
    if (!next) return;
    e.preventDefault();
    void setUrl({ tab: next });
    tabRefs.current[next]?.focus();
  };

  return (
    <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-3 py-8 outline-none sm:px-6">
      <header className="mb-6 flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Alerts</h1>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Stuck executions and failure-rate rules in {org.name}, newest first</p>
        </div>
        {permissions.includes("channels:manage") || permissions.includes("thresholds:manage") ? (
          <Link href={`/o/${org.slug}/settings/alerts`} prefetch={false} className={buttonClasses("secondary")}>
            Channels and rules
          </Link>
        ) : null}
      </header>

      <div className="mb-4 flex flex-wrap items-end justify-between gap-2 border-b border-zinc-200 dark:border-zinc-800">
      <div role="tablist" aria-label="Alert state" className="flex gap-1">
        {ALERT_TABS.map((t) => {
          const n = tabCount(t);
          const selected = t === tab;
          return (
            <button
              key={t}
              ref={(el) => {
                tabRefs.current[t] = el;
              }}
              type="button"
              role="tab"
              id={`alerts-tab-${t}`}
              aria-selected={selected}
              aria-controls="alerts-panel"
              tabIndex={selected ? 0 : -1}
              data-testid={`alerts-tab-${t}`}
              onClick={() => void setUrl({ tab: t })}
              onKeyDown={(e) => onTabKey(e, t)}
              className={cn(
                "-mb-px border-b-2 px-3 py-2 text-sm font-medium",
                focusRing,
                selected ? "border-blue-700 text-zinc-900 dark:border-blue-400 dark:text-zinc-100" : "border-transparent text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100",
              )}
            >
              {TAB_LABEL[t]}
              {n !== null ? <span className="ml-1.5 rounded-full bg-zinc-100 px-1.5 text-xs tabular-nums text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300">{n}</span> : null}
            </button>
          );
        })}
      </div>
        <Button size="sm" variant="ghost" className="mb-1" data-testid="group-by-workflow" aria-pressed={group === "workflow"} onClick={() => void setUrl({ group: group === "workflow" ? null : "workflow" })}>
          Group by workflow
        </Button>
      </div>

      <div role="tabpanel" id="alerts-panel" aria-labelledby={`alerts-tab-${tab}`}>
        <AlertList key={tab} tab={tab} grouped={group === "workflow"} onOpen={(id) => void setUrl({ alert: id })} />
      </div>

      <AlertDrawer orgSlug={org.slug} alertId={alert} onClose={() => void setUrl({ alert: null })} />
    </main>
  );
}

function AlertList({ tab, grouped, onOpen }: { tab: AlertTab; grouped: boolean; onOpen: (alertId: string) => void }) {
  const { org } = useOrgAccess();
  const trpc = useTRPC();
  // bulk acknowledge: firing alerts can be chosen by those who may acknowledge them
  const selectable = useCan("alerts:acknowledge") && tab === "firing";
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const query = useInfiniteQuery({
    ...trpc.alerts.list.infiniteQueryOptions({ orgSlug: org.slug, state: TAB_STATE[tab], limit: PAGE }, { getNextPageParam: (last) => last.nextCursor ?? undefined }),
    // new alerts show up without a reload; older pages stay as they are until "Load more"
    refetchInterval: 10_000,
  });

  if (query.isPending) {
    return (
      <LoadingRegion label="Loading alerts…" testId="alerts-loading">
        <Skeleton className="h-48 w-full" />
      </LoadingRegion>
    );
  }
  if (query.isError) return <ErrorState title="Could not load the alerts." error={query.error} onRetry={() => void query.refetch()} retrying={query.isFetching} />;
  const loaded = query.data.pages.flatMap((p) => p.items);
  // grouped: one block per workflow (alphabetical), newest first inside each, as loaded so far
  const items = grouped ? [...loaded].sort((a, b) => a.workflow.localeCompare(b.workflow)) : loaded;
  const groupSize = new Map<string, number>();
  for (const a of items) groupSize.set(a.workflow, (groupSize.get(a.workflow) ?? 0) + 1);
  const columns = selectable ? 7 : 6;
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const chosen = items.filter((a) => selected.has(a.id)).map((a) => a.id);
  if (items.length === 0) {
    return (
      <EmptyState title={tab === "firing" ? "Nothing is firing" : tab === "acknowledged" ? "No acknowledged alerts" : "No resolved alerts yet"} testId="alerts-empty">
        {tab === "firing" ? "Stuck executions and failure-rate rules open an alert here within one monitor interval." : "Alerts move here as operators work on them."}
      </EmptyState>
    );
  }

  return (
    <>
      {chosen.length ? <BulkAlertsBar orgSlug={org.slug} alertIds={chosen} onClear={() => setSelected(new Set())} /> : null}
      <div tabIndex={0} className="relative overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
        <table data-testid="alerts-table" className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
          <caption className="sr-only">{TAB_LABEL[tab]} alerts, newest first</caption>
          <thead className="bg-zinc-50 dark:bg-zinc-900">
            <tr>
              {selectable ? (
                <th scope="col" className={th}>
                  <input
                    type="checkbox"
                    aria-label="Select every loaded alert"
                    data-testid="select-all-alerts"
                    className={cn("h-4 w-4", focusRing)}
                    checked={items.length > 0 && items.every((a) => selected.has(a.id))}
                    onChange={(e) => setSelected(e.target.checked ? new Set(items.map((a) => a.id)) : new Set())}
                  />
                </th>
              ) : null}
              <th scope="col" className={th}>Reason</th>
              <th scope="col" className={th}>Execution</th>
              <th scope="col" className={th}>Workflow</th>
              <th scope="col" className={th}>Since</th>
              <th scope="col" className={th}>State</th>
              <th scope="col" className={th}>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800/70">
            {items.map((a, i) => (
              <Fragment key={a.id}>
              {grouped && (i === 0 || items[i - 1]!.workflow !== a.workflow) ? (
                <tr data-testid="alert-group" data-workflow={a.workflow} className="bg-zinc-50 dark:bg-zinc-900">
                  <th scope="colgroup" colSpan={columns} className="px-3 py-1.5 text-left font-mono text-xs font-semibold">
                    {a.workflow} <span className="font-sans font-normal text-zinc-600 dark:text-zinc-400">({groupSize.get(a.workflow)})</span>
                  </th>
                </tr>
              ) : null}
              <tr data-testid="alert-row" data-alert-id={a.id} data-execution-id={a.executionId ?? ""} className="align-top">
                {selectable ? (
                  <td className={td}>
                    <input type="checkbox" aria-label={`Select alert ${a.id}`} data-testid="select-alert" className={cn("h-4 w-4", focusRing)} checked={selected.has(a.id)} onChange={() => toggle(a.id)} />
                  </td>
                ) : null}
                <td className={td}>
                  <button type="button" onClick={() => onOpen(a.id)} className={cn("text-left font-medium text-blue-800 underline-offset-2 hover:underline dark:text-blue-300", focusRing)}>
                    {reasonLabel(a.reason)}
                  </button>
                  {a.stormId ? <span className="block text-xs text-zinc-600 dark:text-zinc-400">part of a storm (notified as a group)</span> : null}
                </td>
                <td className={cn(td, "max-w-56")}>
                  {a.executionId ? (
                    <Link href={executionHref(org.slug, a.executionId)} prefetch={false} className="block truncate font-mono text-xs text-blue-800 underline-offset-2 hover:underline dark:text-blue-300" title={a.executionId}>
                      {a.executionId}
                    </Link>
                  ) : a.reason === "missed" ? (
                    <MissedSlot orgSlug={org.slug} workflow={a.workflow} details={a.details} />
                  ) : (
                    <span className="text-zinc-600 dark:text-zinc-400">whole workflow</span>
                  )}
                  {a.executionStatus ? <span className="block text-xs text-zinc-600 dark:text-zinc-400">now {a.executionStatus}</span> : null}
                </td>
                <td className={cn(td, "font-mono text-xs")}>{a.workflow}</td>
                <td className={cn(td, "whitespace-nowrap tabular-nums")}>
                  <Time value={a.since} />
                </td>
                <td className={td}>
                  <Badge tone={STATE_TONE[a.state]}>{STATE_LABEL[a.state]}</Badge>
                  {a.acknowledgedBy ? (
                    <span className="mt-1 block text-xs text-zinc-700 dark:text-zinc-300" data-testid="alert-acknowledged-by">
                      by {a.acknowledgedBy}
                      {a.acknowledgedAt ? (
                        <>
                          {" "}
                          · <Time value={a.acknowledgedAt} />
                        </>
                      ) : null}
                      {a.acknowledgedNote ? <span className="block italic">“{a.acknowledgedNote}”</span> : null}
                    </span>
                  ) : null}
                  {a.state === "RESOLVED" ? (
                    <span className="mt-1 block text-xs text-zinc-700 dark:text-zinc-300">
                      {resolutionLabel(a.resolution)}
                      {a.resolvedBy && a.resolvedBy !== "monitor" ? ` by ${a.resolvedBy}` : ""}
                    </span>
                  ) : null}
                </td>
                <td className={cn(td, "text-right whitespace-nowrap")}>
                  <AlertActions orgSlug={org.slug} alertId={a.id} state={a.state} compact />
                </td>
              </tr>
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      <LoadMore query={query} endText="No more alerts" />
    </>
  );
}

/** A missed-run alert names no execution: its slot, the count, and the executions around it. */
function MissedSlot({ orgSlug, workflow, details }: { orgSlug: string; workflow: string; details: unknown }) {
  const m = missedSlotOf(details);
  if (!m) return <span className="text-zinc-600 dark:text-zinc-400">whole workflow</span>;
  const slot = new Date(m.slot);
  // an hour either side of the slot: what ran (or did not) around it
  const from = new Date(slot.getTime() - 3_600_000);
  const to = new Date(slot.getTime() + 3_600_000);
  return (
    <span className="block text-xs" data-testid="missed-slot">
      slot <Time value={m.slot} />
      {m.count > 1 ? <span className="block text-zinc-600 dark:text-zinc-400">{m.count} slots in a row</span> : null}
      <Link href={executionsWindowHref(orgSlug, workflow, from, to)} prefetch={false} className="block text-blue-800 underline-offset-2 hover:underline dark:text-blue-300">
        executions around it
      </Link>
    </span>
  );
}
