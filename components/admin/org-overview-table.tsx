// Every organization at a glance for platform admins; each row opens the organization read-only.
import Link from "next/link";
import { td, th } from "@/components/settings/fields";
import { EmptyState } from "@/components/ui/empty-state";
import type { OrgOverview } from "@/server/admin/service";

const percent = (r: number | null) => (r === null ? "—" : `${(r * 100).toFixed(r > 0 && r < 0.01 ? 2 : 1)}%`);
const count = (n: number) => n.toLocaleString("en-US");

export function OrgOverviewTable({ items, truncated }: { items: OrgOverview[]; truncated: boolean }) {
  if (items.length === 0) return <EmptyState title="No organizations yet">Create one with <code className="font-mono">runwatch org create</code>.</EmptyState>;
  return (
    <>
      <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
        <table data-testid="admin-orgs-table" className="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
          <caption className="sr-only">All organizations with their last 24 hours</caption>
          <thead className="bg-zinc-50 dark:bg-zinc-900">
            <tr>
              <th scope="col" className={th}>Organization</th>
              <th scope="col" className={`${th} text-right`}>Members</th>
              <th scope="col" className={`${th} text-right`}>Executions (24 h)</th>
              <th scope="col" className={`${th} text-right`}>Failure rate (24 h)</th>
              <th scope="col" className={`${th} text-right`}>Stuck now</th>
              <th scope="col" className={`${th} text-right`}>Open alerts</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800/70">
            {items.map((o) => (
              <tr key={o.orgId} data-testid="admin-org-row" data-slug={o.slug}>
                <td className={td}>
                  <Link href={`/o/${o.slug}/executions`} className="font-medium text-blue-800 underline-offset-2 hover:underline dark:text-blue-300">
                    {o.name}
                  </Link>
                  <span className="block font-mono text-xs text-zinc-600 dark:text-zinc-400">{o.slug}</span>
                </td>
                <td className={`${td} text-right tabular-nums`}>{count(o.members)}</td>
                <td className={`${td} text-right tabular-nums`}>{count(o.executions24h)}</td>
                <td className={`${td} text-right tabular-nums`}>{percent(o.failureRate24h)}</td>
                <td className={`${td} text-right tabular-nums ${o.stuckNow > 0 ? "font-semibold text-amber-800 dark:text-amber-300" : ""}`}>{count(o.stuckNow)}</td>
                <td className={`${td} text-right tabular-nums`}>{o.openAlerts === null ? "—" : count(o.openAlerts)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {truncated && <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">Showing the first {items.length.toLocaleString("en-US")} organizations by slug.</p>}
    </>
  );
}
