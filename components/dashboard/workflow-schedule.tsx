"use client";

// The workflow page's schedule: what it is, its next slots in the viewer's zone, a strip of
// recent slots (ran, late, missed) each linking to the executions of its window, and the form
// (ADMIN and up; audited as workflow.update) to set, change or remove it.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { executionsWindowHref } from "@/components/alerts/format";
import { useCan } from "@/components/auth/org-access";
import { formatLocalDateTime, formatUtc } from "@/components/executions/format";
import { useTRPC } from "@/components/trpc/react";
import { SaveStatus } from "@/components/ui/save-status";
import { Button } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import { Time } from "@/components/ui/time";
import type { WorkflowSummary } from "@/server/dashboard/workflows";
import { describeSchedule, type Schedule } from "@/server/workflows/schedule";
import { LIVE_MS } from "./hooks";

const card = "rounded-lg border border-zinc-200 p-4 dark:border-zinc-800";
const input = cn("h-9 rounded-md border border-zinc-300 bg-white px-2 text-sm dark:border-zinc-700 dark:bg-zinc-900", focusRing);

const STATE_STYLE: Record<string, string> = {
  ran: "bg-emerald-500",
  late: "bg-amber-400",
  missed: "bg-red-600",
  pending: "bg-zinc-300 dark:bg-zinc-600",
};
const STATE_WORD: Record<string, string> = { ran: "ran", late: "late", missed: "missed", pending: "grace still running" };

export function WorkflowSchedule({ orgSlug, s }: { orgSlug: string; s: WorkflowSummary }) {
  const trpc = useTRPC();
  const slots = useQuery({ ...trpc.workflows.slots.queryOptions({ orgSlug, key: s.key }), refetchInterval: LIVE_MS * 3, retry: 1 });
  const canEdit = useCan("thresholds:manage");

  return (
    <section aria-labelledby="schedule-heading" className={card} data-testid="schedule">
      <h2 id="schedule-heading" className="mb-1 text-sm font-semibold">
        Schedule
      </h2>
      <p className="mb-3 text-xs text-zinc-600 dark:text-zinc-400" data-testid="schedule-summary">
        {s.schedule ? `Executions are expected ${describeSchedule(s.schedule)}. A slot without one is a missed run and alerts.` : "No schedule: Runwatch does not expect executions at any time."}
        {s.missedAlert ? (
          <Link href={`/o/${encodeURIComponent(orgSlug)}/alerts?alert=${encodeURIComponent(s.missedAlert.id)}`} className="ml-1 font-medium text-red-700 underline dark:text-red-300">
            Missed {s.missedAlert.count > 1 ? `${s.missedAlert.count} slots in a row` : "a run"} — open the alert
          </Link>
        ) : null}
      </p>
      {s.schedule ? (
        slots.isError ? (
          <ErrorState title="Could not load the slots." error={slots.error} onRetry={() => void slots.refetch()} retrying={slots.isFetching} />
        ) : slots.isPending ? (
          <Skeleton className="h-16 w-full" />
        ) : (
          <div className="mb-3 space-y-3">
            <div>
              <h3 className="text-xs font-medium">Recent slots</h3>
              <ol className="mt-1 flex flex-wrap gap-1" data-testid="slot-strip" aria-label="Recent slots, oldest first">
                {slots.data.recent.map((slot) => (
                  <li key={slot.at.toISOString()}>
                    <Link
                      href={executionsWindowHref(orgSlug, s.key, slot.at, slot.until.getTime() > slot.at.getTime() ? slot.until : new Date(slot.at.getTime() + 1000))}
                      prefetch={false}
                      data-testid="slot"
                      data-state={slot.state}
                      title={`${formatLocalDateTime(slot.at)} (${formatUtc(slot.at)}): ${STATE_WORD[slot.state]}${slot.beforeSchedule ? ", before the schedule was set" : ""}`}
                      aria-label={`${formatLocalDateTime(slot.at)}: ${STATE_WORD[slot.state]}`}
                      className={cn("block h-6 w-4 rounded-sm", STATE_STYLE[slot.state], slot.beforeSchedule && "opacity-40", focusRing)}
                    />
                  </li>
                ))}
              </ol>
              <p className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
                <span className="mr-2"><span className="inline-block h-2 w-2 rounded-sm bg-emerald-500" /> ran</span>
                <span className="mr-2"><span className="inline-block h-2 w-2 rounded-sm bg-amber-400" /> late</span>
                <span className="mr-2"><span className="inline-block h-2 w-2 rounded-sm bg-red-600" /> missed</span>
                faded: before the schedule was set. Each opens the executions of its window.
              </p>
            </div>
            <div>
              <h3 className="text-xs font-medium">Next slots (your time zone)</h3>
              <ul className="mt-1 flex flex-wrap gap-x-4 gap-y-1 text-sm tabular-nums" data-testid="next-slots">
                {slots.data.next.map((d) => (
                  <li key={d.toISOString()}>
                    <Time value={d} />
                  </li>
                ))}
              </ul>
            </div>
          </div>
        )
      ) : null}
      {canEdit ? <ScheduleForm orgSlug={orgSlug} s={s} /> : <p className="text-xs text-zinc-600 dark:text-zinc-400">Only an admin can change the schedule.</p>}
    </section>
  );
}

type Mode = "none" | "cron" | "every";

function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

function ScheduleForm({ orgSlug, s }: { orgSlug: string; s: WorkflowSummary }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const current = s.schedule;
  const [mode, setMode] = useState<Mode>(current ? ("cron" in current ? "cron" : "every") : "none");
  const [cron, setCron] = useState(current && "cron" in current ? current.cron : "0 * * * *");
  const [timezone, setTimezone] = useState(current && "cron" in current ? current.timezone : browserZone());
  const [graceMinutes, setGraceMinutes] = useState(current && "cron" in current ? String(current.graceSeconds / 60) : "10");
  const [everyMinutes, setEveryMinutes] = useState(current && "everySeconds" in current ? String(current.everySeconds / 60) : "60");
  const mutation = useMutation(
    trpc.workflows.updateThresholds.mutationOptions({
      onSuccess: (data) => {
        queryClient.setQueryData(trpc.workflows.get.queryKey({ orgSlug, key: s.key }), data);
        void queryClient.invalidateQueries({ queryKey: trpc.workflows.slots.queryKey({ orgSlug, key: s.key }) });
        void queryClient.invalidateQueries({ queryKey: trpc.workflows.list.queryKey({ orgSlug }) });
      },
    }),
  );
  const schedule = (): Schedule | null => {
    if (mode === "none") return null;
    if (mode === "every") return { everySeconds: Math.round(Number(everyMinutes) * 60) };
    return { cron: cron.trim(), timezone: timezone.trim(), graceSeconds: Math.round(Number(graceMinutes) * 60) };
  };
  const invalid = (mode === "every" && !(Number(everyMinutes) > 0)) || (mode === "cron" && (!(Number(graceMinutes) >= 0) || graceMinutes.trim() === ""));

  return (
    <form
      className="flex flex-wrap items-end gap-3"
      data-testid="schedule-form"
      onSubmit={(e) => {
        e.preventDefault();
        mutation.mutate({ orgSlug, key: s.key, patch: { schedule: schedule() } });
      }}
    >
      <div className="flex flex-col gap-1">
        <label htmlFor="sched-mode" className="text-xs font-medium">
          Expect executions
        </label>
        <select id="sched-mode" className={input} value={mode} onChange={(e) => setMode(e.target.value as Mode)}>
          <option value="none">No schedule</option>
          <option value="cron">On a cron schedule</option>
          <option value="every">At least every …</option>
        </select>
      </div>
      {mode === "cron" ? (
        <>
          <div className="flex flex-col gap-1">
            <label htmlFor="sched-cron" className="text-xs font-medium">
              Cron expression
            </label>
            <input id="sched-cron" className={cn(input, "w-40 font-mono")} value={cron} onChange={(e) => setCron(e.target.value)} placeholder="0 * * * *" />
          </div>
          <div className="flex flex-col gap-1">
            <label htmlFor="sched-tz" className="text-xs font-medium">
              Time zone
            </label>
            <input id="sched-tz" className={cn(input, "w-44")} value={timezone} onChange={(e) => setTimezone(e.target.value)} placeholder="Europe/Berlin" />
          </div>
          <div className="flex flex-col gap-1">
            <label htmlFor="sched-grace" className="text-xs font-medium">
              Grace (minutes)
            </label>
            <input id="sched-grace" inputMode="decimal" className={cn(input, "w-24 tabular-nums")} value={graceMinutes} onChange={(e) => setGraceMinutes(e.target.value)} />
          </div>
        </>
      ) : null}
      {mode === "every" ? (
        <div className="flex flex-col gap-1">
          <label htmlFor="sched-every" className="text-xs font-medium">
            Every (minutes)
          </label>
          <input id="sched-every" inputMode="decimal" className={cn(input, "w-24 tabular-nums")} value={everyMinutes} onChange={(e) => setEveryMinutes(e.target.value)} />
        </div>
      ) : null}
      <Button type="submit" variant="primary" disabled={invalid || mutation.isPending}>
        {mutation.isPending ? "Saving…" : "Save schedule"}
      </Button>
      <p className="w-full text-xs text-zinc-600 dark:text-zinc-400">Slots before the schedule is saved never alert. Changes are audited.</p>
      {invalid ? (
        <p role="alert" className="w-full text-xs text-red-700 dark:text-red-300">
          Enter a positive number of minutes.
        </p>
      ) : null}
      <SaveStatus mutation={mutation} errorTestId="schedule-error" />
    </form>
  );
}
