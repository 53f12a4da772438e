"use client";

// Members: add an existing user by email (or create one with a password), change roles, remove.
// The server enforces the last-OWNER and OWNER-only rules (server/rbac/permissions.ts, the same
// functions used here); the UI only spares people the attempt.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { ErrorState } from "@/components/ui/error-state";
import { LoadingRegion, Skeleton } from "@/components/ui/skeleton";
import { Time } from "@/components/ui/time";
import { grantableRoles, ownerChangeRefusal, ROLES, type Role } from "@/server/rbac/permissions";
import { Field, FormError, Section, inputClass, td, th } from "./fields";

export function MembersSection({ orgSlug, myRole, myUserId }: { orgSlug: string; myRole: Role | null; myUserId: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.members.list.queryOptions({ orgSlug }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.members.list.queryKey() });
  const [removing, setRemoving] = useState<{ userId: string; email: string } | null>(null);
  const [createUser, setCreateUser] = useState(false);
  const grantable = grantableRoles(myRole);

  const add = useMutation({ ...trpc.members.add.mutationOptions(), onSuccess: refresh });
  const changeRole = useMutation({ ...trpc.members.changeRole.mutationOptions(), onSuccess: refresh });
  const remove = useMutation({
    ...trpc.members.remove.mutationOptions(),
    onSuccess: async () => {
      setRemoving(null);
      await refresh();
    },
  });
  const owners = list.data?.items.filter((m) => m.role === "OWNER").length ?? 0;

  return (
    <Section id="members" title="Members" description="Who can sign in to this organization, and what each may do.">
      <form
        className="grid gap-3 sm:grid-cols-[1fr_10rem_auto] sm:items-end"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const data = new FormData(form);
          add.mutate(
            {
              orgSlug,
              email: String(data.get("email") ?? ""),
              role: String(data.get("role")) as Role,
              ...(createUser ? { password: String(data.get("password") ?? ""), name: String(data.get("name") ?? "") || undefined } : {}),
            },
            { onSuccess: () => form.reset() },
          );
        }}
      >
        <Field id="member-email" label="Email">
          <input id="member-email" name="email" type="email" required maxLength={254} autoComplete="off" className={inputClass} />
        </Field>
        <Field id="member-role" label="Role">
          <select id="member-role" name="role" defaultValue="VIEWER" className={inputClass}>
            {grantable.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </Field>
        <Button type="submit" variant="primary" disabled={add.isPending}>
          {add.isPending ? "Adding…" : createUser ? "Create and add" : "Add member"}
        </Button>
        <label className="flex items-center gap-2 text-sm sm:col-span-3">
          <input type="checkbox" checked={createUser} onChange={(e) => setCreateUser(e.target.checked)} />
          This person has no Runwatch account yet: create one with a password
        </label>
        {createUser && (
          <>
            <Field id="member-name" label="Name (optional)">
              <input id="member-name" name="name" maxLength={200} autoComplete="off" className={inputClass} />
            </Field>
            <Field id="member-password" label="Initial password" hint="At least 8 characters. Share it with them privately.">
              <input id="member-password" name="password" type="password" required minLength={8} maxLength={128} autoComplete="new-password" aria-describedby="member-password-hint" className={inputClass} />
            </Field>
          </>
        )}
      </form>
      <FormError error={add.error} />
      <FormError error={changeRole.error} />

      <div className="mt-5">
        {list.isPending ? (
          <LoadingRegion label="Loading members…" testId="members-loading">
            <Skeleton className="h-24 w-full" />
          </LoadingRegion>
        ) : list.isError ? (
          <ErrorState title="Could not load the members." error={list.error} onRetry={() => void list.refetch()} retrying={list.isFetching} />
        ) : (
          <div tabIndex={0} className="relative overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
            <table data-testid="members-table" className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
              <caption className="sr-only">Members of this organization</caption>
              <thead className="bg-zinc-50 dark:bg-zinc-900">
                <tr>
                  <th scope="col" className={th}>Member</th>
                  <th scope="col" className={th}>Role</th>
                  <th scope="col" className={th}>Joined</th>
                  <th scope="col" className={th}>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800/70">
                {list.data.items.map((m) => {
                  const isOwner = m.role === "OWNER";
                  // the server's own rule (server/rbac/permissions.ts), shown before the attempt
                  const refusal = ownerChangeRefusal(myRole, m.role, owners);
                  const locked = refusal !== null;
                  return (
                    <tr key={m.userId} data-testid="member-row" data-email={m.email}>
                      <td className={td}>
                        <span className="font-medium">{m.name}</span>
                        <span className="block text-xs text-zinc-600 dark:text-zinc-400">
                          {m.email}
                          {m.userId === myUserId ? " (you)" : ""}
                        </span>
                      </td>
                      <td className={td}>
                        <label htmlFor={`role-${m.userId}`} className="sr-only">
                          Role of {m.email}
                        </label>
                        <select
                          id={`role-${m.userId}`}
                          value={m.role}
                          disabled={locked || changeRole.isPending}
                          title={refusal?.reason}
                          onChange={(e) => changeRole.mutate({ orgSlug, userId: m.userId, role: e.target.value as Role })}
                          className={`${inputClass} w-36`}
                        >
                          {(isOwner ? ROLES : grantable).map((r) => (
                            <option key={r} value={r}>
                              {r}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td className={`${td} whitespace-nowrap tabular-nums`}>
                        <Time value={m.joinedAt} />
                      </td>
                      <td className={`${td} text-right`}>
                        <Button size="sm" variant="ghost" disabled={locked} aria-label={`Remove ${m.email}`} onClick={() => setRemoving({ userId: m.userId, email: m.email })}>
                          Remove
                        </Button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </div>

      <Dialog open={removing !== null} onClose={() => setRemoving(null)} title="Remove member">
        {removing && (
          <>
            <p className="text-sm">
              Remove <strong>{removing.email}</strong> from this organization? Their account stays; they lose access here at once.
            </p>
            <FormError error={remove.error} />
            <div className="mt-4 flex justify-end gap-2">
              <Button onClick={() => setRemoving(null)}>Keep</Button>
              <Button variant="danger" disabled={remove.isPending} onClick={() => remove.mutate({ orgSlug, userId: removing.userId })}>
                {remove.isPending ? "Removing…" : "Remove"}
              </Button>
            </div>
          </>
        )}
      </Dialog>
    </Section>
  );
}
