import Link from "next/link";
import { notFound } from "next/navigation";
import { OrgOverviewTable } from "@/components/admin/org-overview-table";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { listOrgOverview } from "@/server/admin/service";
import { requireSession } from "@/server/auth/next";

export const dynamic = "force-dynamic";
export const metadata = { title: "Platform admin · Runwatch" };

export default async function AdminPage() {
  const session = await requireSession("/admin");
  // not advertised: anyone but a platform admin sees the ordinary not-found page
  if (!session.user.isPlatformAdmin) notFound();
  const { items, truncated } = await listOrgOverview();
  return (
    <>
      <header className="border-b border-zinc-200 dark:border-zinc-800">
        <div className="mx-auto flex max-w-6xl items-center gap-4 px-4 py-2 sm:px-6">
          <Link href="/" className="text-base font-semibold tracking-tight">
            Runwatch
          </Link>
          <span className="text-sm text-zinc-600 dark:text-zinc-400">Platform admin</span>
          <span className="ml-auto text-sm text-zinc-600 dark:text-zinc-400">{session.user.email}</span>
          <SignOutButton className="rounded-md border border-zinc-300 px-2.5 py-1 text-sm font-medium hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900" />
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-3 py-8 outline-none sm:px-6">
        <h1 className="text-2xl font-semibold tracking-tight">All organizations</h1>
        <p className="mt-1 mb-6 text-sm text-zinc-600 dark:text-zinc-400">
          Opening one gives you read-only access, and the visit is recorded in that organization&apos;s audit log.
        </p>
        <OrgOverviewTable items={items} truncated={truncated} />
      </main>
    </>
  );
}
