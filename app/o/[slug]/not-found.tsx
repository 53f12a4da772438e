import Link from "next/link";

// Something inside an organization the user can see (an execution, a workflow) does not exist.
export default function OrgNotFound() {
  return (
    <main className="mx-auto max-w-xl px-4 py-16 text-center sm:px-6" data-testid="not-found">
      <h1 className="text-2xl font-semibold tracking-tight">Not found</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">This page does not exist in this organization, or it was removed.</p>
      <Link href="/" className="mt-6 inline-block text-sm font-medium underline underline-offset-4">
        Back to Runwatch
      </Link>
    </main>
  );
}
