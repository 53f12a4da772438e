import { LatestExecutionsTable } from "@/components/executions/latest-executions-table";

export default function HomePage() {
  return (
    <main className="mx-auto max-w-6xl px-4 py-8 sm:px-6">
      <header className="mb-6">
        <h1 className="text-2xl font-semibold tracking-tight">Runwatch</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Latest executions of the demo organization</p>
      </header>
      <LatestExecutionsTable />
    </main>
  );
}
