// The organization's top bar: sections, the organization switcher and the signed-in user.
import Link from "next/link";
import { SignOutButton } from "@/components/auth/sign-out-button";
import type { Permission, Role } from "@/server/rbac/permissions";
import { AlertsBadge } from "./alerts-badge";
import { NavLinks, type NavItem } from "./nav-links";

type Props = {
  org: { slug: string; name: string };
  role: Role | null;
  readOnly: boolean;
  permissions: Permission[];
  user: { email: string; name: string; isPlatformAdmin: boolean };
  memberships: { slug: string; name: string; role: Role }[];
};

export function TopNav({ org, role, readOnly, permissions, user, memberships }: Props) {
  const base = `/o/${org.slug}`;
  const can = (p: Permission) => permissions.includes(p);
  const items: NavItem[] = [
    { href: `${base}/executions`, label: "Executions" },
    { href: `${base}/workflows`, label: "Workflows" },
    { href: `${base}/alerts`, label: "Alerts", badge: <AlertsBadge orgSlug={org.slug} /> },
    ...(can("audit:read") ? [{ href: `${base}/audit`, label: "Audit" }] : []),
    ...(can("members:manage") || can("apiKeys:manage") ? [{ href: `${base}/settings`, label: "Settings" }] : []),
  ];

  return (
    <header className="border-b border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-950">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-2 sm:px-6">
        <Link href={`${base}/executions`} className="text-base font-semibold tracking-tight">
          Runwatch
        </Link>
        <OrgSwitcher current={org} memberships={memberships} isPlatformAdmin={user.isPlatformAdmin} />
        <NavLinks items={items} />
        <div className="ml-auto flex items-center gap-3 text-sm">
          <span className="text-zinc-600 dark:text-zinc-400" data-testid="nav-user">
            {user.email}
            {role && <span className="ml-2 rounded bg-zinc-100 px-1.5 py-0.5 text-xs font-medium text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300">{role}</span>}
          </span>
          <SignOutButton className="rounded-md border border-zinc-300 px-2.5 py-1 font-medium hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-zinc-900 dark:border-zinc-700 dark:hover:bg-zinc-900" />
        </div>
      </div>
      {readOnly && (
        <p role="status" className="bg-amber-50 px-4 py-1.5 text-center text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
          You are viewing {org.name} as a platform admin: read-only, and this visit is recorded in its audit log.
        </p>
      )}
    </header>
  );
}

function OrgSwitcher({ current, memberships, isPlatformAdmin }: { current: { slug: string; name: string }; memberships: Props["memberships"]; isPlatformAdmin: boolean }) {
  // <details> gives a keyboard-accessible menu without client JavaScript
  return (
    <details className="relative" data-testid="org-switcher">
      <summary className="cursor-pointer list-none rounded-md border border-zinc-300 px-2.5 py-1 text-sm font-medium hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-zinc-900 dark:border-zinc-700 dark:hover:bg-zinc-900">
        <span className="sr-only">Organization: </span>
        {current.name} <span aria-hidden="true">▾</span>
      </summary>
      <div className="absolute left-0 z-20 mt-1 w-64 rounded-md border border-zinc-200 bg-white py-1 shadow-lg dark:border-zinc-800 dark:bg-zinc-950">
        <ul aria-label="Your organizations">
          {memberships.map((m) => (
            <li key={m.slug}>
              <a
                href={`/o/${m.slug}/executions`}
                aria-current={m.slug === current.slug ? "page" : undefined}
                className="flex items-center justify-between px-3 py-1.5 text-sm hover:bg-zinc-50 aria-[current=page]:font-semibold dark:hover:bg-zinc-900"
              >
                <span className="truncate">{m.name}</span>
                <span className="ml-2 text-xs text-zinc-600 dark:text-zinc-400">{m.role}</span>
              </a>
            </li>
          ))}
          {memberships.length === 0 && <li className="px-3 py-1.5 text-sm text-zinc-600 dark:text-zinc-400">No memberships</li>}
        </ul>
        {isPlatformAdmin && (
          <a href="/admin" className="mt-1 block border-t border-zinc-200 px-3 py-1.5 text-sm font-medium hover:bg-zinc-50 dark:border-zinc-800 dark:hover:bg-zinc-900">
            Platform admin: all organizations
          </a>
        )}
      </div>
    </details>
  );
}
