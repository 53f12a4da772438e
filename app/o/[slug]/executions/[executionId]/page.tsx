import Link from "next/link";
import { listReturnQuery } from "@/components/dashboard/return-link";
import { ExecutionDetailView } from "@/components/executions/execution-detail";

export const metadata = { title: "Execution · Runwatch" };
export default async function ExecutionPage({ params, searchParams }: { params: Promise<{ slug: string; executionId: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { slug, executionId } = await params;
  // the list this page was opened from (its filters, snapshot and page), for the back link
  const back = listReturnQuery((await searchParams).from);
  return (
    <main id="main" tabIndex={-1} className="mx-auto max-w-7xl px-3 py-4 outline-none sm:px-6">
      <nav aria-label="Breadcrumb" className="mb-3 text-sm">
        <Link data-testid="back-to-list" href={`/o/${encodeURIComponent(slug)}/executions${back ? `?${back}` : ""}`} className="rounded text-blue-700 hover:underline focus-visible:outline-2 focus-visible:outline-blue-600 dark:text-blue-300">
          ← Executions
        </Link>
      </nav>
      <ExecutionDetailView orgSlug={slug} executionId={decodeURIComponent(executionId)} />
    </main>
  );
}
