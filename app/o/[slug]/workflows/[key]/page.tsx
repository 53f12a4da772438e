import Link from "next/link";
import { WorkflowDetail } from "@/components/dashboard/workflow-detail";

export const metadata = { title: "Workflow · Runwatch" };

export default async function WorkflowPage({ params }: { params: Promise<{ slug: string; key: string }> }) {
  const { slug, key } = await params;
  return (
    <main id="main" tabIndex={-1} className="mx-auto max-w-7xl px-3 py-6 outline-none sm:px-6">
      <nav aria-label="Breadcrumb" className="mb-3 text-sm">
        <Link href={`/o/${encodeURIComponent(slug)}/workflows`} className="rounded text-blue-700 hover:underline focus-visible:outline-2 focus-visible:outline-blue-600 dark:text-blue-300">
          ← Workflows
        </Link>
      </nav>
      <WorkflowDetail orgSlug={slug} workflowKey={decodeURIComponent(key)} />
    </main>
  );
}
