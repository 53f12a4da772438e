import { Suspense } from "react";
import { AuditLog } from "@/components/audit/audit-log";

export const metadata = { title: "Audit log · Runwatch" };

export default function AuditPage() {
  // nuqs reads the search params on the client: Suspense keeps the rest of the page static
  return (
    <Suspense>
      <AuditLog />
    </Suspense>
  );
}
