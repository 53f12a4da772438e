import { redirect } from "next/navigation";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { requireSession } from "@/server/auth/next";
import { landingOrgSlug } from "@/server/rbac/access";

export const dynamic = "force-dynamic";

// The landing page: straight to the organization used last, or the first one.
export default async function HomePage() {
  const session = await requireSession("/");
  const slug = await landingOrgSlug(session.user);
  if (slug) redirect(`/o/${slug}/executions`);

  return (
    <main className="mx-auto max-w-xl px-4 py-16 sm:px-6" data-testid="no-organizations">
      <h1 className="text-2xl font-semibold tracking-tight">Welcome to Runwatch</h1>
      <p className="mt-3 text-sm text-zinc-700 dark:text-zinc-300">
        You are signed in as <strong>{session.user.email}</strong>, but you are not a member of any organization yet. Ask an
        administrator of your organization to add you, then reload this page.
      </p>
      {session.user.isPlatformAdmin && (
        <p className="mt-3 text-sm">
          As a platform admin you can open{" "}
          <a href="/admin" className="font-medium underline underline-offset-4">
            every organization
          </a>{" "}
          read-only.
        </p>
      )}
      <SignOutButton className="mt-6 rounded-md border border-zinc-300 px-3 py-1.5 text-sm font-medium hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-900" />
    </main>
  );
}
