"use client";

// Alert channels (ADMIN and up): create a webhook, Slack or email channel — the signing secret is
// shown once —, list them, send a test, rotate the secret (shown once again), disable / enable,
// delete after a confirmation.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Field, FormError, Section, inputClass, td, th } from "@/components/settings/fields";
import { useTRPC } from "@/components/trpc/react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { SecretOnce } from "@/components/ui/secret-once";
import { LoadingRegion, Skeleton } from "@/components/ui/skeleton";
import { Time } from "@/components/ui/time";

type ChannelType = "WEBHOOK" | "SLACK" | "EMAIL";
const TYPE_LABEL: Record<ChannelType, string> = { WEBHOOK: "Webhook", SLACK: "Slack", EMAIL: "Email" };

type Shown = { title: string; secret: string; note: string };
type TestOutcome = { channelId: string; ok: boolean; statusCode: number | null; latencyMs: number; error: string | null };

export function ChannelsSection({ orgSlug }: { orgSlug: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.channels.list.queryOptions({ orgSlug }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.channels.list.queryKey() });

  const [type, setType] = useState<ChannelType>("WEBHOOK");
  const [name, setName] = useState("");
  const [target, setTarget] = useState("");
  const [shown, setShown] = useState<Shown | null>(null);
  const [test, setTest] = useState<TestOutcome | null>(null);
  const [confirm, setConfirm] = useState<{ kind: "rotate" | "delete"; id: string; name: string } | null>(null);

  const create = useMutation({
    ...trpc.channels.create.mutationOptions(),
    onSuccess: async (out) => {
      setShown({
        title: `Channel “${out.channel.name}” created`,
        secret: out.secret,
        note:
          out.channel.type === "WEBHOOK"
            ? "Verify each request's webhook-signature with this secret (Standard Webhooks). It will not be shown again."
            : out.channel.type === "SLACK"
              ? "The Slack URL is stored and listed masked from now on. This signing secret is not needed for Slack."
              : "Email needs no secret; keep this only if you forward messages to a webhook.",
      });
      setName("");
      setTarget("");
      await refresh();
    },
  });
  const update = useMutation({ ...trpc.channels.update.mutationOptions(), onSuccess: () => refresh() });
  const rotate = useMutation({
    ...trpc.channels.rotateSecret.mutationOptions(),
    onSuccess: async (out) => {
      setConfirm(null);
      setShown({ title: `New secret for “${out.channel.name}”`, secret: out.secret, note: "The old secret stopped working. This one will not be shown again." });
      await refresh();
    },
  });
  const remove = useMutation({
    ...trpc.channels.delete.mutationOptions(),
    onSuccess: async () => {
      setConfirm(null);
      await refresh();
    },
  });
  const sendTest = useMutation({
    ...trpc.channels.sendTest.mutationOptions(),
    onSuccess: (out, vars) => setTest({ channelId: vars.channelId, ok: out.ok, statusCode: out.statusCode, latencyMs: out.latencyMs, error: out.error }),
  });

  return (
    <Section id="alert-channels" title="Channels" description="Where alerts go. Every channel gets each alert.firing and alert.resolved once; failed deliveries are retried with backoff. With storm grouping on (the default for Slack and email, off for webhooks), a burst of stuck executions of one workflow is one alert.storm instead of one message each.">
      <form
        aria-label="Add a channel"
        className="grid gap-3 sm:grid-cols-[10rem_1fr_2fr_auto] sm:items-end"
        onSubmit={(e) => {
          e.preventDefault();
          const n = name.trim() || undefined;
          if (type === "EMAIL") {
            const to = target.split(/[,\s]+/).filter(Boolean);
            create.mutate({ orgSlug, type, name: n, to });
          } else {
            create.mutate({ orgSlug, type, name: n, url: target.trim() });
          }
        }}
      >
        <Field id="channel-type" label="Type">
          <select id="channel-type" className={inputClass} value={type} onChange={(e) => setType(e.target.value as ChannelType)}>
            <option value="WEBHOOK">Webhook</option>
            <option value="SLACK">Slack</option>
            <option value="EMAIL">Email</option>
          </select>
        </Field>
        <Field id="channel-name" label="Name (optional)">
          <input id="channel-name" className={inputClass} value={name} onChange={(e) => setName(e.target.value)} maxLength={200} placeholder="e.g. on-call" />
        </Field>
        <Field id="channel-target" label={type === "EMAIL" ? "Recipients (comma-separated)" : type === "SLACK" ? "Slack incoming-webhook URL" : "Webhook URL"}>
          <input
            id="channel-target"
            className={inputClass}
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            required
            maxLength={2000}
            type={type === "EMAIL" ? "text" : "url"}
            placeholder={type === "EMAIL" ? "oncall@example.com" : type === "SLACK" ? "https://hooks.slack.com/services/…" : "https://example.com/runwatch-hook"}
          />
        </Field>
        <Button type="submit" variant="primary" disabled={create.isPending}>
          {create.isPending ? "Adding…" : "Add channel"}
        </Button>
      </form>
      <FormError error={create.error} />

      {shown && <SecretOnce testId="channel-secret" valueTestId="channel-secret-value" title={shown.title} note={shown.note} secret={shown.secret} copyLabel="Copy secret" onDismiss={() => setShown(null)} />}

      <div className="mt-5">
        {list.isPending ? (
          <LoadingRegion label="Loading channels…">
            <Skeleton className="h-24 w-full" />
          </LoadingRegion>
        ) : list.isError ? (
          <ErrorState title="Could not load the channels." error={list.error} onRetry={() => void list.refetch()} retrying={list.isFetching} />
        ) : list.data.items.length === 0 ? (
          <EmptyState title="No channels yet" testId="channels-empty">
            Alerts still show in the alert center; add a channel to be notified.
          </EmptyState>
        ) : (
          <div tabIndex={0} className="relative overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
            <table data-testid="channels-table" className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
              <caption className="sr-only">Alert channels of this organization</caption>
              <thead className="bg-zinc-50 dark:bg-zinc-900">
                <tr>
                  <th scope="col" className={th}>Name</th>
                  <th scope="col" className={th}>Type</th>
                  <th scope="col" className={th}>Target</th>
                  <th scope="col" className={th}>Storm grouping</th>
                  <th scope="col" className={th}>Created</th>
                  <th scope="col" className={th}>
                    <span className="sr-only">Status and actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800/70">
                {list.data.items.map((c) => (
                  <tr key={c.id} data-testid="channel-row" data-enabled={c.enabled ? "true" : "false"} className="align-top">
                    <td className={`${td} font-medium`}>
                      {c.name}
                      {!c.enabled ? (
                        <Badge className="ml-2" tone="neutral">
                          Disabled
                        </Badge>
                      ) : null}
                    </td>
                    <td className={td}>{TYPE_LABEL[c.type]}</td>
                    <td className={`${td} max-w-64 truncate font-mono text-xs`} title={c.target}>
                      {c.target}
                    </td>
                    <td className={td}>
                      <label className="inline-flex items-center gap-1.5 text-xs">
                        <input
                          type="checkbox"
                          checked={c.stormGrouping}
                          disabled={update.isPending}
                          data-testid="channel-storm-grouping"
                          aria-label={`Group storms for ${c.name}`}
                          onChange={(e) => update.mutate({ orgSlug, channelId: c.id, stormGrouping: e.target.checked })}
                        />
                        {c.stormGrouping ? "one alert.storm" : "one message each"}
                      </label>
                    </td>
                    <td className={`${td} whitespace-nowrap tabular-nums`}>
                      <Time value={c.createdAt} />
                    </td>
                    <td className={`${td} text-right`}>
                      <div className="flex flex-wrap justify-end gap-1.5">
                        <Button size="sm" aria-label={`Send a test message to ${c.name}`} disabled={sendTest.isPending || !c.enabled} onClick={() => sendTest.mutate({ orgSlug, channelId: c.id })}>
                          {sendTest.isPending && sendTest.variables?.channelId === c.id ? "Sending…" : "Send test"}
                        </Button>
                        {c.type === "WEBHOOK" ? (
                          <Button size="sm" aria-label={`Rotate the secret of ${c.name}`} onClick={() => setConfirm({ kind: "rotate", id: c.id, name: c.name })}>
                            Rotate secret
                          </Button>
                        ) : null}
                        <Button size="sm" aria-label={`${c.enabled ? "Disable" : "Enable"} ${c.name}`} disabled={update.isPending} onClick={() => update.mutate({ orgSlug, channelId: c.id, enabled: !c.enabled })}>
                          {c.enabled ? "Disable" : "Enable"}
                        </Button>
                        <Button size="sm" variant="danger" aria-label={`Delete ${c.name}`} onClick={() => setConfirm({ kind: "delete", id: c.id, name: c.name })}>
                          Delete
                        </Button>
                      </div>
                      {test && test.channelId === c.id ? (
                        <p role="status" data-testid="channel-test-result" className={`mt-1 text-xs ${test.ok ? "text-emerald-800 dark:text-emerald-300" : "text-red-800 dark:text-red-300"}`}>
                          {test.ok ? "Delivered" : "Failed"}
                          {test.statusCode !== null ? ` · HTTP ${test.statusCode}` : ""} · {test.latencyMs} ms{test.error ? ` · ${test.error}` : ""}
                        </p>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <FormError error={update.error ?? sendTest.error} />
      </div>

      <Dialog open={confirm !== null} onClose={() => setConfirm(null)} title={confirm?.kind === "rotate" ? "Rotate signing secret" : "Delete channel"} testId="channel-confirm-dialog">
        {confirm && (
          <>
            <p className="text-sm">
              {confirm.kind === "rotate" ? (
                <>
                  Give <strong>{confirm.name}</strong> a new signing secret? The current one stops working at once: update the receiver right after.
                </>
              ) : (
                <>
                  Delete <strong>{confirm.name}</strong>? Its undelivered notifications stop. This cannot be undone.
                </>
              )}
            </p>
            <FormError error={confirm.kind === "rotate" ? rotate.error : remove.error} />
            <div className="mt-4 flex justify-end gap-2">
              <Button onClick={() => setConfirm(null)}>Keep it</Button>
              {confirm.kind === "rotate" ? (
                <Button variant="primary" disabled={rotate.isPending} onClick={() => rotate.mutate({ orgSlug, channelId: confirm.id })}>
                  {rotate.isPending ? "Rotating…" : "Rotate secret"}
                </Button>
              ) : (
                <Button variant="danger" disabled={remove.isPending} onClick={() => remove.mutate({ orgSlug, channelId: confirm.id })}>
                  {remove.isPending ? "Deleting…" : "Delete channel"}
                </Button>
              )}
            </div>
          </>
        )}
      </Dialog>
    </Section>
  );
}
