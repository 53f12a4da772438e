import { NuqsAdapter } from "nuqs/adapters/next/app";

// The list keeps its filters, snapshot and page in the URL through nuqs.
export default function ExecutionsLayout({ children }: { children: React.ReactNode }) {
  return <NuqsAdapter>{children}</NuqsAdapter>;
}
