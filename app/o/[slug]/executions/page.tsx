import { NuqsAdapter } from "nuqs/adapters/next/app";
import { Suspense } from "react";
import { ExecutionsDashboard } from "@/components/dashboard/executions-dashboard";
import { ExecutionsTableSkeleton } from "@/components/executions/executions-table";

export const metadata = { title: "Executions · Runwatch" };

export default async function ExecutionsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  return (
    <main id="main" tabIndex={-1} className="mx-auto max-w-[96rem] px-3 py-3 outline-none sm:px-6">
      <header className="mb-2 flex flex-wrap items-baseline gap-x-3">
        <h1 className="text-xl font-semibold tracking-tight">Executions</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Newest first; the view is in the address bar, so a link shares it</p>
      </header>
      {/* the filters, snapshot and page live in the URL (nuqs), read on the client */}
      <NuqsAdapter>
        <Suspense fallback={<ExecutionsTableSkeleton />}>
          <ExecutionsDashboard orgSlug={slug} />
        </Suspense>
      </NuqsAdapter>
    </main>
  );
}
