import { NuqsAdapter } from "nuqs/adapters/next/app";

// The alert center keeps its tab and the open alert in the URL through nuqs.
export default function AlertsLayout({ children }: { children: React.ReactNode }) {
  return <NuqsAdapter>{children}</NuqsAdapter>;
}
