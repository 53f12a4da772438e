"use client";

// API keys: create (the key is shown once, with a copy button), list with prefix, creator and
// times, revoke after a confirmation. Only rendered for roles with apiKeys:manage.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { SecretOnce } from "@/components/ui/secret-once";
import { LoadingRegion, Skeleton } from "@/components/ui/skeleton";
import { Time } from "@/components/ui/time";
import { Field, FormError, Section, inputClass, td, th } from "./fields";

export function ApiKeysSection({ orgSlug }: { orgSlug: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.apiKeys.list.queryOptions({ orgSlug }));
  const [name, setName] = useState("");
  const [created, setCreated] = useState<{ key: string; name: string } | null>(null);
  const [revoking, setRevoking] = useState<{ id: string; name: string; prefix: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });

  const create = useMutation({
    ...trpc.apiKeys.create.mutationOptions(),
    onSuccess: async (out) => {
      setCreated({ key: out.key, name: out.apiKey.name });
      setName("");
      await refresh();
    },
  });
  const revoke = useMutation({
    ...trpc.apiKeys.revoke.mutationOptions(),
    onSuccess: async () => {
      setRevoking(null);
      await refresh();
    },
  });

  return (
    <Section id="api-keys" title="API keys" description="Engines and scripts send events with these keys. A key is shown once, when it is created.">
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ orgSlug, name });
        }}
      >
        <Field id="api-key-name" label="New key name" className="w-64">
          <input id="api-key-name" className={inputClass} value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder="e.g. production worker" />
        </Field>
        <Button type="submit" variant="primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create API key"}
        </Button>
      </form>
      <FormError error={create.error} />

      {created && (
        <SecretOnce
          testId="new-api-key"
          valueTestId="new-api-key-value"
          title={`Copy the key “${created.name}” now: it will not be shown again.`}
          secret={created.key}
          copyLabel="Copy key"
          onDismiss={() => setCreated(null)}
        />
      )}

      <div className="mt-5">
        {list.isPending ? (
          <LoadingRegion label="Loading API keys…" testId="api-keys-loading">
            <Skeleton className="h-24 w-full" />
          </LoadingRegion>
        ) : list.isError ? (
          <ErrorState title="Could not load the API keys." error={list.error} onRetry={() => void list.refetch()} retrying={list.isFetching} />
        ) : list.data.items.length === 0 ? (
          <EmptyState title="No API keys yet" testId="api-keys-empty">
            Create one above to send events to <code className="font-mono">/api/v1</code>.
          </EmptyState>
        ) : (
          <div tabIndex={0} className="relative overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
            <table data-testid="api-keys-table" className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
              <caption className="sr-only">API keys of this organization</caption>
              <thead className="bg-zinc-50 dark:bg-zinc-900">
                <tr>
                  <th scope="col" className={th}>Name</th>
                  <th scope="col" className={th}>Prefix</th>
                  <th scope="col" className={th}>Created by</th>
                  <th scope="col" className={th}>Created</th>
                  <th scope="col" className={th}>Last used</th>
                  <th scope="col" className={th}>
                    <span className="sr-only">Status and actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800/70">
                {list.data.items.map((k) => (
                  <tr key={k.id} data-testid="api-key-row" data-prefix={k.prefix} data-revoked={k.revokedAt ? "true" : "false"} className={k.revokedAt ? "text-zinc-600 dark:text-zinc-400" : ""}>
                    <td className={`${td} font-medium`}>{k.name}</td>
                    <td className={`${td} font-mono text-xs`}>{k.prefix}…</td>
                    <td className={td}>{k.createdBy ? k.createdBy.email : "—"}</td>
                    <td className={`${td} whitespace-nowrap tabular-nums`}>
                      <Time value={k.createdAt} />
                    </td>
                    <td className={`${td} whitespace-nowrap tabular-nums`}>{k.lastUsedAt ? <Time value={k.lastUsedAt} /> : "never"}</td>
                    <td className={`${td} text-right whitespace-nowrap`}>
                      {k.revokedAt ? (
                        <span className="text-xs">
                          Revoked <Time value={k.revokedAt} />
                        </span>
                      ) : (
                        <Button size="sm" variant="danger" aria-label={`Revoke API key ${k.name} (${k.prefix})`} onClick={() => setRevoking({ id: k.id, name: k.name, prefix: k.prefix })}>
                          Revoke
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>

      <Dialog open={revoking !== null} onClose={() => setRevoking(null)} title="Revoke API key" testId="revoke-api-key-dialog">
        {revoking && (
          <>
            <p className="text-sm">
              Revoke <strong>{revoking.name}</strong> (<code className="font-mono">{revoking.prefix}…</code>)? Requests with it are refused from the next one on. This cannot be undone.
            </p>
            <FormError error={revoke.error} />
            <div className="mt-4 flex justify-end gap-2">
              <Button onClick={() => setRevoking(null)}>Keep it</Button>
              <Button variant="danger" disabled={revoke.isPending} onClick={() => revoke.mutate({ orgSlug, id: revoking.id })}>
                {revoke.isPending ? "Revoking…" : "Revoke key"}
              </Button>
            </div>
          </>
        )}
      </Dialog>
    </Section>
  );
}
