import { WorkflowsOverview } from "@/components/dashboard/workflows-overview";

export const metadata = { title: "Workflows · Runwatch" };

export default async function WorkflowsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  return (
    <main id="main" tabIndex={-1} className="mx-auto max-w-7xl px-3 py-6 outline-none sm:px-6">
      <header className="mb-4">
        <h1 className="text-2xl font-semibold tracking-tight">Workflows</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Every workflow with its counts, last run and what is stuck now</p>
      </header>
      <WorkflowsOverview orgSlug={slug} />
    </main>
  );
}
