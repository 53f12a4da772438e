import Link from "next/link";

// Also what someone sees at another organization's URL: the same page as for one that does not
// exist, so a URL tells nothing about which organizations there are.
export default function NotFound() {
  return (
    <main className="mx-auto max-w-xl px-4 py-16 text-center sm:px-6" data-testid="not-found">
      <h1 className="text-2xl font-semibold tracking-tight">Page not found</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        There is nothing here, or it belongs to an organization you are not a member of.
      </p>
      <Link href="/" className="mt-6 inline-block text-sm font-medium underline underline-offset-4">
        Go to your organization
      </Link>
    </main>
  );
}
