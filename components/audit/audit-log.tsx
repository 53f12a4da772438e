"use client";

// The audit log: newest first, filters in the URL, "Load more" pages on the server's keyset
// cursor, and a CSV download of exactly the filtered rows.
import { useInfiniteQuery } from "@tanstack/react-query";
import { useQueryStates } from "nuqs";
import { useOrgAccess } from "@/components/auth/org-access";
import { Field, inputClass, td, th } from "@/components/settings/fields";
import { useTRPC } from "@/components/trpc/react";
import { LoadMore } from "@/components/ui/load-more";
import { Button, buttonClasses } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { JsonView } from "@/components/ui/json-view";
import { LoadingRegion, Skeleton } from "@/components/ui/skeleton";
import { Time } from "@/components/ui/time";
import { auditUrlParsers, exportQueryString, fromLocalInput, toLocalInput, toServerFilters } from "./url-state";

const PAGE = 50;

export function AuditLog() {
  const { org } = useOrgAccess();
  const trpc = useTRPC();
  const [filters, setFilters] = useQueryStates(auditUrlParsers, { history: "push" });
  const serverFilters = toServerFilters(filters);
  const query = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions({ orgSlug: org.slug, filters: serverFilters, limit: PAGE }, { getNextPageParam: (last) => last.nextCursor ?? undefined }),
  );
  const exportHref = `/api/o/${org.slug}/audit/export${exportQueryString(filters) ? `?${exportQueryString(filters)}` : ""}`;
  const filtered = Object.keys(serverFilters).length > 0;

  return (
    <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-3 py-8 outline-none sm:px-6">
      <header className="mb-6 flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Audit log</h1>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Every change made in {org.name}, by whom, newest first</p>
        </div>
        <a href={exportHref} className={buttonClasses("secondary")} data-testid="audit-export" download>
          Export CSV{filtered ? " (filtered)" : ""}
        </a>
      </header>

      <form
        key={JSON.stringify(serverFilters)}
        aria-label="Filter the audit log"
        className="mb-5 grid gap-3 rounded-lg border border-zinc-200 p-4 sm:grid-cols-3 dark:border-zinc-800"
        onSubmit={(e) => {
          e.preventDefault();
          const d = new FormData(e.currentTarget);
          const s = (k: string) => String(d.get(k) ?? "").trim() || null;
          void setFilters({
            actor: s("actor"),
            action: s("action"),
            resourceType: s("resourceType"),
            resourceId: s("resourceId"),
            from: fromLocalInput(String(d.get("from") ?? "")),
            to: fromLocalInput(String(d.get("to") ?? "")),
          });
        }}
      >
        <Field id="audit-actor" label="Actor" hint="Part of an email or key name, or a user/key id">
          <input id="audit-actor" name="actor" defaultValue={filters.actor ?? ""} maxLength={200} aria-describedby="audit-actor-hint" className={inputClass} />
        </Field>
        <Field id="audit-action" label="Action" hint="e.g. api_key.revoke, or api_key for all of them">
          <input id="audit-action" name="action" defaultValue={filters.action ?? ""} maxLength={100} aria-describedby="audit-action-hint" className={inputClass} />
        </Field>
        <Field id="audit-resource-type" label="Resource type">
          <input id="audit-resource-type" name="resourceType" defaultValue={filters.resourceType ?? ""} maxLength={100} className={inputClass} />
        </Field>
        <Field id="audit-resource-id" label="Resource id">
          <input id="audit-resource-id" name="resourceId" defaultValue={filters.resourceId ?? ""} maxLength={200} className={inputClass} />
        </Field>
        <Field id="audit-from" label="From (your time zone)">
          <input id="audit-from" name="from" type="datetime-local" defaultValue={toLocalInput(filters.from)} className={inputClass} />
        </Field>
        <Field id="audit-to" label="To (your time zone)">
          <input id="audit-to" name="to" type="datetime-local" defaultValue={toLocalInput(filters.to)} className={inputClass} />
        </Field>
        <div className="flex gap-2 sm:col-span-3">
          <Button type="submit" variant="primary">
            Apply filters
          </Button>
          {filtered && (
            <Button onClick={() => void setFilters({ actor: null, action: null, resourceType: null, resourceId: null, from: null, to: null })}>Clear filters</Button>
          )}
        </div>
      </form>

      {query.isPending ? (
        <LoadingRegion label="Loading the audit log…" testId="audit-loading">
          <Skeleton className="h-48 w-full" />
        </LoadingRegion>
      ) : query.isError ? (
        <ErrorState title="Could not load the audit log." error={query.error} onRetry={() => void query.refetch()} retrying={query.isFetching} />
      ) : query.data.pages[0]!.items.length === 0 ? (
        <EmptyState title={filtered ? "No entries match these filters" : "No audit entries yet"} testId="audit-empty">
          {filtered ? "Widen the time range or clear a filter." : "Changes to members, keys, settings and executions show up here."}
        </EmptyState>
      ) : (
        <>
          <div tabIndex={0} className="relative overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
            <table data-testid="audit-table" className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
              <caption className="sr-only">Audit log entries, newest first</caption>
              <thead className="bg-zinc-50 dark:bg-zinc-900">
                <tr>
                  <th scope="col" className={th}>When</th>
                  <th scope="col" className={th}>Actor</th>
                  <th scope="col" className={th}>Action</th>
                  <th scope="col" className={th}>Resource</th>
                  <th scope="col" className={th}>Result</th>
                  <th scope="col" className={th}>From</th>
                  <th scope="col" className={th}>Details</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800/70">
                {query.data.pages.flatMap((p) =>
                  p.items.map((e) => (
                    <tr key={e.id} data-testid="audit-row" data-action={e.action} className="align-top">
                      <td className={`${td} whitespace-nowrap tabular-nums`}>
                        <Time value={e.at} />
                      </td>
                      <td className={td}>
                        <span className="font-medium">{e.actorLabel}</span>
                        <span className="block text-xs text-zinc-600 dark:text-zinc-400">{e.actorType === "API_KEY" ? "API key" : e.actorType === "SYSTEM" ? "System" : "User"}</span>
                      </td>
                      <td className={`${td} font-mono text-xs`}>{e.action}</td>
                      <td className={`${td} text-xs`}>
                        {e.resourceType}
                        {e.resourceId ? <span className="block max-w-48 truncate font-mono" title={e.resourceId}>{e.resourceId}</span> : null}
                      </td>
                      <td className={td}>
                        {e.success ? (
                          <span className="rounded bg-green-100 px-1.5 py-0.5 text-xs font-medium text-green-900 dark:bg-green-950 dark:text-green-200">OK</span>
                        ) : (
                          <span className="rounded bg-red-100 px-1.5 py-0.5 text-xs font-medium text-red-900 dark:bg-red-950 dark:text-red-200">Denied / failed</span>
                        )}
                      </td>
                      <td className={`${td} text-xs`}>
                        {e.ip ?? "—"}
                        {e.userAgent ? <span className="block max-w-48 truncate text-zinc-600 dark:text-zinc-400" title={e.userAgent}>{e.userAgent}</span> : null}
                      </td>
                      <td className={`${td} min-w-48`}>
                        {e.before != null || e.after != null || e.details != null ? (
                          <JsonView label="Before / after" value={{ before: e.before ?? null, after: e.after ?? null, details: e.details ?? null }} />
                        ) : (
                          "—"
                        )}
                      </td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </div>
          <LoadMore query={query} endText="End of the log" />
        </>
      )}
    </main>
  );
}
