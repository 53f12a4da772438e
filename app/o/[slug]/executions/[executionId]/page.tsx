import Link from "next/link";
import { ExecutionDetailView } from "@/components/executions/execution-detail";

export const metadata = { title: "Execution · Runwatch" };

export default async function ExecutionPage({ params }: { params: Promise<{ slug: string; executionId: string }> }) {
  const { slug, executionId } = await params;
  return (
    <main className="mx-auto max-w-7xl px-4 py-6 sm:px-6">
      <nav aria-label="Breadcrumb" className="mb-3 text-sm">
        <Link href={`/o/${encodeURIComponent(slug)}/executions`} className="rounded text-blue-700 hover:underline focus-visible:outline-2 focus-visible:outline-blue-600 dark:text-blue-300">
          ← Executions
        </Link>
      </nav>
      <ExecutionDetailView orgSlug={slug} executionId={decodeURIComponent(executionId)} />
    </main>
  );
}
