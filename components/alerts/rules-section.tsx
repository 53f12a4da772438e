"use client";

// Alert rules (ADMIN and up): the organization's storm control and failure-rate defaults, and per
// workflow the auto TIMED_OUT multiple (off by default) and failure-rate overrides. The stuck
// thresholds themselves are on each workflow's page.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { Field, FormError, Section, inputClass } from "@/components/settings/fields";
import { useTRPC } from "@/components/trpc/react";
import { Button } from "@/components/ui/button";
import { ErrorState } from "@/components/ui/error-state";
import { LoadingRegion, Skeleton } from "@/components/ui/skeleton";

const num = (v: FormDataEntryValue | null) => Number(String(v ?? "").trim());
/** an empty field means "use the organization's setting" */
const optionalNum = (v: FormDataEntryValue | null) => (String(v ?? "").trim() === "" ? null : Number(v));

export function OrgRulesSection({ orgSlug }: { orgSlug: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const settings = useQuery(trpc.alerts.orgSettings.queryOptions({ orgSlug }));
  const [saved, setSaved] = useState(false);
  const update = useMutation({
    ...trpc.alerts.updateOrgSettings.mutationOptions(),
    // The saved answer goes straight into the cache: the form (keyed by its data) then shows it
    // at once, and no refetch can land later and wipe what the user typed since. Workflow rules
    // inherit these defaults, so theirs are refetched.
    onSuccess: async (data) => {
      queryClient.setQueryData(trpc.alerts.orgSettings.queryKey({ orgSlug }), data);
      setSaved(true);
      await queryClient.invalidateQueries({ queryKey: trpc.alerts.workflowSettings.pathKey() });
    },
  });

  return (
    <Section id="alert-rules" title="Organization rules" description="Storm control groups a burst of stuck executions of one workflow into one notification per channel; the failure-rate rule fires when too many executions of a workflow fail.">
      {settings.isPending ? (
        <LoadingRegion label="Loading alert rules…">
          <Skeleton className="h-24 w-full" />
        </LoadingRegion>
      ) : settings.isError ? (
        <ErrorState title="Could not load the alert rules." error={settings.error} onRetry={() => void settings.refetch()} retrying={settings.isFetching} />
      ) : (
        <form
          key={JSON.stringify(settings.data)}
          aria-label="Organization alert rules"
          className="grid gap-3 sm:grid-cols-3"
          onSubmit={(e) => {
            e.preventDefault();
            const d = new FormData(e.currentTarget);
            setSaved(false);
            update.mutate({
              orgSlug,
              stormThreshold: num(d.get("stormThreshold")),
              stormWindowSeconds: num(d.get("stormWindowSeconds")),
              failureRate: { enabled: d.get("frEnabled") === "on", percent: num(d.get("frPercent")), minExecutions: num(d.get("frMin")), windowSeconds: num(d.get("frWindow")) },
            });
          }}
        >
          <Field id="storm-threshold" label="Storm: more than N stuck executions…">
            <input id="storm-threshold" name="stormThreshold" type="number" min={1} max={100000} step={1} required defaultValue={settings.data.stormThreshold} className={inputClass} />
          </Field>
          <Field id="storm-window" label="…of one workflow within (s)" className="sm:col-span-2 sm:max-w-56">
            <input id="storm-window" name="stormWindowSeconds" type="number" min={1} max={604800} step={1} required defaultValue={settings.data.stormWindowSeconds} className={inputClass} />
          </Field>
          <div className="flex items-center gap-2 sm:col-span-3">
            <input id="fr-enabled" name="frEnabled" type="checkbox" defaultChecked={settings.data.failureRate.enabled} className="h-4 w-4" />
            <label htmlFor="fr-enabled" className="text-sm font-medium">
              Failure-rate rule on by default
            </label>
          </div>
          <Field id="fr-percent" label="Fire above this % failed">
            <input id="fr-percent" name="frPercent" type="number" min={0.1} max={100} step="any" required defaultValue={settings.data.failureRate.percent} className={inputClass} />
          </Field>
          <Field id="fr-min" label="Of at least N executions">
            <input id="fr-min" name="frMin" type="number" min={1} max={1000000} step={1} required defaultValue={settings.data.failureRate.minExecutions} className={inputClass} />
          </Field>
          <Field id="fr-window" label="Within (s)">
            <input id="fr-window" name="frWindow" type="number" min={1} max={604800} step={1} required defaultValue={settings.data.failureRate.windowSeconds} className={inputClass} />
          </Field>
          <div className="flex items-center gap-3 sm:col-span-3">
            <Button type="submit" variant="primary" disabled={update.isPending}>
              {update.isPending ? "Saving…" : "Save rules"}
            </Button>
            <span aria-live="polite" className="text-sm text-green-800 dark:text-green-300">
              {saved ? "Saved" : ""}
            </span>
          </div>
        </form>
      )}
      <FormError error={update.error} />
    </Section>
  );
}

export function WorkflowRulesSection({ orgSlug }: { orgSlug: string }) {
  const trpc = useTRPC();
  const workflows = useQuery(trpc.workflows.list.queryOptions({ orgSlug }));
  const [workflow, setWorkflow] = useState("");
  const selected = workflow || workflows.data?.items[0]?.key || "";

  return (
    <Section id="workflow-rules" title="Workflow rules" description="Per workflow: mark a stuck execution TIMED_OUT after a multiple of its threshold (off unless you set it), and override the failure-rate rule.">
      {workflows.isPending ? (
        <LoadingRegion label="Loading workflows…">
          <Skeleton className="h-10 w-64" />
        </LoadingRegion>
      ) : workflows.isError ? (
        <ErrorState title="Could not load the workflows." error={workflows.error} onRetry={() => void workflows.refetch()} retrying={workflows.isFetching} />
      ) : workflows.data.items.length === 0 ? (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">No workflows yet: they appear with their first execution.</p>
      ) : (
        <>
          <Field id="rules-workflow" label="Workflow" className="max-w-sm">
            <select id="rules-workflow" className={inputClass} value={selected} onChange={(e) => setWorkflow(e.target.value)}>
              {workflows.data.items.map((w) => (
                <option key={w.key} value={w.key}>
                  {w.name === w.key ? w.key : `${w.name} (${w.key})`}
                </option>
              ))}
            </select>
          </Field>
          {selected ? <WorkflowRulesForm key={selected} orgSlug={orgSlug} workflow={selected} /> : null}
        </>
      )}
    </Section>
  );
}

function WorkflowRulesForm({ orgSlug, workflow }: { orgSlug: string; workflow: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const settings = useQuery(trpc.alerts.workflowSettings.queryOptions({ orgSlug, workflow }));
  const [saved, setSaved] = useState(false);
  const update = useMutation({
    ...trpc.alerts.updateWorkflowSettings.mutationOptions(),
    // as above: the answer is the new state, and a later refetch must not overwrite new edits
    onSuccess: (data) => {
      queryClient.setQueryData(trpc.alerts.workflowSettings.queryKey({ orgSlug, workflow }), data);
      setSaved(true);
    },
  });

  if (settings.isPending) {
    return (
      <LoadingRegion label="Loading the workflow's rules…" className="mt-4">
        <Skeleton className="h-24 w-full" />
      </LoadingRegion>
    );
  }
  if (settings.isError) return <ErrorState className="mt-4" title="Could not load the workflow's rules." error={settings.error} onRetry={() => void settings.refetch()} retrying={settings.isFetching} />;
  const s = settings.data;
  const enabledDefault = s.overrides.enabled === null ? "inherit" : s.overrides.enabled ? "on" : "off";

  return (
    <form
      key={JSON.stringify(s)}
      aria-label={`Alert rules of ${workflow}`}
      className="mt-4 grid gap-3 sm:grid-cols-3"
      onSubmit={(e) => {
        e.preventDefault();
        const d = new FormData(e.currentTarget);
        const en = String(d.get("enabled"));
        setSaved(false);
        update.mutate({
          orgSlug,
          workflow,
          autoTimeoutMultiple: optionalNum(d.get("autoTimeout")),
          failureRate: {
            enabled: en === "inherit" ? null : en === "on",
            percent: optionalNum(d.get("percent")),
            minExecutions: optionalNum(d.get("minExecutions")),
            windowSeconds: optionalNum(d.get("windowSeconds")),
          },
        });
      }}
    >
      <Field
        id="wf-auto-timeout"
        label="Mark TIMED_OUT after × threshold"
        hint="Empty: off. e.g. 3 marks an execution stuck for 3× its threshold as TIMED_OUT (audited)."
        className="sm:col-span-3 sm:max-w-md"
      >
        <input id="wf-auto-timeout" name="autoTimeout" type="number" min={1} max={1000} step="any" defaultValue={s.autoTimeoutMultiple ?? ""} placeholder="off" aria-describedby="wf-auto-timeout-hint" className={inputClass} />
      </Field>
      <p className="text-xs text-zinc-600 dark:text-zinc-400 sm:col-span-3">
        Stuck thresholds are set on the{" "}
        <Link href={`/o/${orgSlug}/workflows/${encodeURIComponent(workflow)}`} prefetch={false} className="text-blue-800 underline dark:text-blue-300">
          workflow&apos;s page
        </Link>
        . Failure-rate fields left empty use the organization&apos;s rule (now: {s.failureRate.enabled ? "on" : "off"}, {s.failureRate.percent}% of ≥ {s.failureRate.minExecutions} in {s.failureRate.windowSeconds} s).
      </p>
      <Field id="wf-fr-enabled" label="Failure-rate rule">
        <select id="wf-fr-enabled" name="enabled" defaultValue={enabledDefault} className={inputClass}>
          <option value="inherit">As the organization</option>
          <option value="on">On</option>
          <option value="off">Off</option>
        </select>
      </Field>
      <Field id="wf-fr-percent" label="Above % failed">
        <input id="wf-fr-percent" name="percent" type="number" min={0.1} max={100} step="any" defaultValue={s.overrides.percent ?? ""} placeholder={String(s.failureRate.percent)} className={inputClass} />
      </Field>
      <Field id="wf-fr-min" label="Of at least N">
        <input id="wf-fr-min" name="minExecutions" type="number" min={1} max={1000000} step={1} defaultValue={s.overrides.minExecutions ?? ""} placeholder={String(s.failureRate.minExecutions)} className={inputClass} />
      </Field>
      <Field id="wf-fr-window" label="Within (s)">
        <input id="wf-fr-window" name="windowSeconds" type="number" min={1} max={604800} step={1} defaultValue={s.overrides.windowSeconds ?? ""} placeholder={String(s.failureRate.windowSeconds)} className={inputClass} />
      </Field>
      <div className="flex items-center gap-3 sm:col-span-3">
        <Button type="submit" variant="primary" disabled={update.isPending}>
          {update.isPending ? "Saving…" : "Save workflow rules"}
        </Button>
        <span aria-live="polite" className="text-sm text-green-800 dark:text-green-300">
          {saved ? "Saved" : ""}
        </span>
      </div>
      <FormError error={update.error} />
    </form>
  );
}
