"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useCan } from "@/components/auth/org-access";
import { formatAge, formatPercent } from "@/components/executions/format";
import { useTRPC } from "@/components/trpc/react";
import { SaveStatus } from "@/components/ui/save-status";
import { Button } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import { Time } from "@/components/ui/time";
import type { WorkflowSummary } from "@/server/dashboard/workflows";
import { ChartsPanel } from "./charts-panel";
import { LIVE_MS } from "./hooks";
import { RANGE_PRESET_OPTIONS, type RangePresetOption } from "./ranges";
import { WorkflowSchedule } from "./workflow-schedule";

const card = "rounded-lg border border-zinc-200 p-4 dark:border-zinc-800";
const link = cn("rounded text-blue-700 hover:underline dark:text-blue-300", focusRing);

export function WorkflowDetail({ orgSlug, workflowKey }: { orgSlug: string; workflowKey: string }) {
  const trpc = useTRPC();
  const [range, setRange] = useState<RangePresetOption>("7d");
  const summary = useQuery({
    ...trpc.workflows.get.queryOptions({ orgSlug, key: workflowKey }),
    refetchInterval: LIVE_MS * 3,
    retry: (n, err) => n < 1 && err.data?.code !== "NOT_FOUND",
  });
  const charts = useQuery({ ...trpc.workflows.charts.queryOptions({ orgSlug, key: workflowKey, range }), refetchInterval: 30_000, retry: 1 });

  if (summary.isError && summary.error.data?.code === "NOT_FOUND")
    return (
      <EmptyState testId="workflow-not-found" title="Workflow not found">
        <Link className={link} href={`/o/${encodeURIComponent(orgSlug)}/workflows`}>
          Back to workflows
        </Link>
      </EmptyState>
    );

  const listHref = `/o/${encodeURIComponent(orgSlug)}/executions?workflow=${encodeURIComponent(workflowKey)}`;
  return (
    <div className="space-y-4">
      <header className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <p className="text-xs text-zinc-600 dark:text-zinc-400">Workflow</p>
          <h1 className="text-2xl font-semibold tracking-tight">{summary.data?.name ?? workflowKey}</h1>
          <p className="font-mono text-xs text-zinc-600 dark:text-zinc-400">{workflowKey}</p>
        </div>
        <Link href={listHref} className={link}>
          Its executions →
        </Link>
      </header>
      {summary.isError ? (
        <ErrorState title="Could not load this workflow." error={summary.error} onRetry={() => void summary.refetch()} retrying={summary.isFetching} />
      ) : (
        <Stats s={summary.data} />
      )}
      <div className="flex items-center gap-2">
        <label htmlFor="wf-range" className="text-sm font-medium">
          Chart range
        </label>
        <select
          id="wf-range"
          value={range}
          onChange={(e) => setRange(e.target.value as RangePresetOption)}
          className={cn("h-9 rounded-md border border-zinc-300 bg-white px-2 text-sm dark:border-zinc-700 dark:bg-zinc-900", focusRing)}
        >
          {RANGE_PRESET_OPTIONS.map((r) => (
            <option key={r} value={r}>
              Last {r}
            </option>
          ))}
        </select>
      </div>
      <ChartsPanel query={charts} />
      {summary.data ? <WorkflowSchedule orgSlug={orgSlug} s={summary.data} /> : <Skeleton className="h-40 w-full" />}
      {summary.data ? <Thresholds orgSlug={orgSlug} s={summary.data} /> : <Skeleton className="h-40 w-full" />}
    </div>
  );
}

function Stats({ s }: { s: WorkflowSummary | undefined }) {
  const items: [string, React.ReactNode][] = s
    ? [
        ["Executions", s.executions.toLocaleString("en-US")],
        ["Successes", s.successes.toLocaleString("en-US")],
        ["Failures", s.failures.toLocaleString("en-US")],
        ["Cancelled", s.cancelled.toLocaleString("en-US")],
        ["Success rate", formatPercent(s.successRate)],
        ["Active now", s.activeNow.toLocaleString("en-US")],
        ["Stuck now", s.stuckNow.toLocaleString("en-US")],
        ["Last run", <Time key="l" value={s.lastRunAt} />],
      ]
    : [];
  return (
    <dl className="grid grid-cols-2 gap-2 sm:grid-cols-4 lg:grid-cols-8" data-testid="workflow-stats">
      {(s ? items : Array.from({ length: 8 }, (_, i) => [String(i), null] as [string, null])).map(([k, v]) => (
        <div key={k} className="flex h-16 flex-col justify-center rounded-lg border border-zinc-200 px-3 dark:border-zinc-800">
          {s ? (
            <>
              <dt className="text-xs text-zinc-600 dark:text-zinc-400">{k}</dt>
              <dd className="font-semibold tabular-nums">{v}</dd>
            </>
          ) : (
            <Skeleton className="h-8 w-full" />
          )}
        </div>
      ))}
    </dl>
  );
}

/** Seconds → the form's minutes text; an empty field means "the organization's default". */
const toMinutes = (seconds: number) => String(Math.round((seconds / 60) * 100) / 100);

function Thresholds({ orgSlug, s }: { orgSlug: string; s: WorkflowSummary }) {
  const canEdit = useCan("thresholds:manage");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [scheduled, setScheduled] = useState(toMinutes(s.stuckScheduledAfterSeconds));
  const [running, setRunning] = useState(toMinutes(s.stuckRunningAfterSeconds));
  const mutation = useMutation(
    trpc.workflows.updateThresholds.mutationOptions({
      onSuccess: (data) => {
        queryClient.setQueryData(trpc.workflows.get.queryKey({ orgSlug, key: s.key }), data);
        void queryClient.invalidateQueries({ queryKey: trpc.workflows.list.queryKey({ orgSlug }) });
      },
    }),
  );
  const seconds = (text: string) => (text.trim() === "" ? null : Math.round(Number(text) * 60));
  const invalid = [scheduled, running].some((t) => t.trim() !== "" && !(Number(t) > 0));
  const input = cn("h-9 w-28 rounded-md border border-zinc-300 bg-white px-2 text-sm tabular-nums dark:border-zinc-700 dark:bg-zinc-900", focusRing);

  return (
    <section aria-labelledby="thresholds-heading" className={card} data-testid="thresholds">
      <h2 id="thresholds-heading" className="mb-1 text-sm font-semibold">
        Stuck thresholds
      </h2>
      <p className="mb-3 text-xs text-zinc-600 dark:text-zinc-400">
        {s.thresholdsOverridden ? "This workflow has its own thresholds." : "The organization's defaults apply."} Scheduled for more than{" "}
        {formatAge(s.stuckScheduledAfterSeconds * 1000)}, or running without a sign of life for more than {formatAge(s.stuckRunningAfterSeconds * 1000)}, is stuck.
      </p>
      {canEdit ? (
        <form
          className="flex flex-wrap items-end gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            mutation.mutate({ orgSlug, key: s.key, patch: { stuckScheduledAfterSeconds: seconds(scheduled), stuckRunningAfterSeconds: seconds(running) } });
          }}
        >
          <div className="flex flex-col gap-1">
            <label htmlFor="th-scheduled" className="text-xs font-medium">
              Scheduled after (minutes)
            </label>
            <input id="th-scheduled" data-testid="threshold-scheduled" inputMode="decimal" className={input} value={scheduled} onChange={(e) => setScheduled(e.target.value)} />
          </div>
          <div className="flex flex-col gap-1">
            <label htmlFor="th-running" className="text-xs font-medium">
              Running after (minutes)
            </label>
            <input id="th-running" data-testid="threshold-running" inputMode="decimal" className={input} value={running} onChange={(e) => setRunning(e.target.value)} />
          </div>
          <Button type="submit" variant="primary" disabled={invalid || mutation.isPending}>
            {mutation.isPending ? "Saving…" : "Save thresholds"}
          </Button>
          <p className="w-full text-xs text-zinc-600 dark:text-zinc-400">Leave a field empty to use the organization&apos;s default. Changes are audited.</p>
          {invalid ? (
            <p role="alert" className="w-full text-xs text-red-700 dark:text-red-300">
              Enter a positive number of minutes, or leave the field empty.
            </p>
          ) : null}
          <SaveStatus mutation={mutation} />
        </form>
      ) : (
        <p className="text-xs text-zinc-600 dark:text-zinc-400">Only an admin can change them.</p>
      )}
    </section>
  );
}
