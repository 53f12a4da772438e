import { NuqsAdapter } from "nuqs/adapters/next/app";

// The audit page keeps its filters in the URL through nuqs.
export default function AuditLayout({ children }: { children: React.ReactNode }) {
  return <NuqsAdapter>{children}</NuqsAdapter>;
}
