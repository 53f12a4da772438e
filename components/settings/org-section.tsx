"use client";

// Organization defaults for the stuck thresholds (ADMIN), and the OWNER's rename and delete.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { ErrorState } from "@/components/ui/error-state";
import { LoadingRegion, Skeleton } from "@/components/ui/skeleton";
import { Field, FormError, Section, inputClass } from "./fields";

export function ThresholdsSection({ orgSlug, canEdit }: { orgSlug: string; canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const settings = useQuery(trpc.orgSettings.get.queryOptions({ orgSlug }));
  const [saved, setSaved] = useState(false);
  const update = useMutation({
    ...trpc.orgSettings.updateThresholds.mutationOptions(),
    onSuccess: async () => {
      setSaved(true);
      await queryClient.invalidateQueries({ queryKey: trpc.orgSettings.get.queryKey() });
    },
  });

  return (
    <Section id="thresholds" title="Stuck thresholds" description="Organization defaults, in seconds. A workflow's own thresholds override them.">
      {settings.isPending ? (
        <LoadingRegion label="Loading thresholds…">
          <Skeleton className="h-16 w-full" />
        </LoadingRegion>
      ) : settings.isError ? (
        <ErrorState title="Could not load the thresholds." error={settings.error} onRetry={() => void settings.refetch()} retrying={settings.isFetching} />
      ) : (
        <form
          key={`${settings.data.stuckScheduledAfterSeconds}-${settings.data.stuckRunningAfterSeconds}`}
          className="flex flex-wrap items-end gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            const data = new FormData(e.currentTarget);
            setSaved(false);
            update.mutate({
              orgSlug,
              stuckScheduledAfterSeconds: Number(data.get("scheduled")),
              stuckRunningAfterSeconds: Number(data.get("running")),
            });
          }}
        >
          <Field id="threshold-scheduled" label="Stuck in Scheduled after (s)" className="w-56">
            <input id="threshold-scheduled" name="scheduled" type="number" inputMode="numeric" min={1} max={2592000} step={1} required disabled={!canEdit} defaultValue={settings.data.stuckScheduledAfterSeconds} className={inputClass} />
          </Field>
          <Field id="threshold-running" label="Stuck Running without a sign of life after (s)" className="w-72">
            <input id="threshold-running" name="running" type="number" inputMode="numeric" min={1} max={2592000} step={1} required disabled={!canEdit} defaultValue={settings.data.stuckRunningAfterSeconds} className={inputClass} />
          </Field>
          {canEdit && (
            <Button type="submit" variant="primary" disabled={update.isPending}>
              {update.isPending ? "Saving…" : "Save thresholds"}
            </Button>
          )}
          <span aria-live="polite" className="text-sm text-green-800 dark:text-green-300">
            {saved ? "Saved" : ""}
          </span>
        </form>
      )}
      <FormError error={update.error} />
    </Section>
  );
}

export function OwnerSection({ orgSlug, orgName, canRename, canDelete }: { orgSlug: string; orgName: string; canRename: boolean; canDelete: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState("");
  const rename = useMutation({ ...trpc.orgSettings.rename.mutationOptions(), onSuccess: () => router.refresh() });
  const del = useMutation({ ...trpc.orgSettings.delete.mutationOptions(), onSuccess: () => router.replace("/") });

  return (
    <Section id="organization" title="Organization" description="Only an OWNER may rename or delete the organization.">
      {canRename && (
        <form
          className="flex flex-wrap items-end gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            rename.mutate({ orgSlug, name: String(new FormData(e.currentTarget).get("name") ?? "") });
          }}
        >
          <Field id="org-name" label="Name" className="w-72">
            <input id="org-name" name="name" required maxLength={200} defaultValue={orgName} className={inputClass} />
          </Field>
          <Button type="submit" disabled={rename.isPending}>
            {rename.isPending ? "Renaming…" : "Rename"}
          </Button>
          <span aria-live="polite" className="text-sm text-green-800 dark:text-green-300">
            {rename.isSuccess ? "Renamed" : ""}
          </span>
        </form>
      )}
      <FormError error={rename.error} />
      {canDelete && (
        <div className="mt-6 rounded-md border border-red-300 p-4 dark:border-red-800">
          <h3 className="text-sm font-semibold text-red-800 dark:text-red-300">Delete this organization</h3>
          <p className="mt-1 text-sm">Deletes every workflow, execution, alert, channel, API key and membership of {orgName}. Its audit log is kept. This cannot be undone.</p>
          <Button variant="danger" className="mt-3" onClick={() => setConfirming(true)}>
            Delete organization…
          </Button>
        </div>
      )}
      <Dialog
        open={confirming}
        onClose={() => {
          setConfirming(false);
          setTyped("");
        }}
        title="Delete organization"
      >
        <form
          onSubmit={(e) => {
            e.preventDefault();
            del.mutate({ orgSlug, confirmSlug: typed });
          }}
        >
          <Field id="delete-confirm" label={`Type ${orgSlug} to confirm`}>
            <input id="delete-confirm" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" className={inputClass} />
          </Field>
          <FormError error={del.error} />
          <div className="mt-4 flex justify-end gap-2">
            <Button onClick={() => setConfirming(false)}>Cancel</Button>
            <Button type="submit" variant="danger" disabled={typed !== orgSlug || del.isPending}>
              {del.isPending ? "Deleting…" : "Delete forever"}
            </Button>
          </div>
        </form>
      </Dialog>
    </Section>
  );
}
