import { Suspense } from "react";
import { AlertCenter } from "@/components/alerts/alert-center";

export const metadata = { title: "Alerts · Runwatch" };

// ?tab=firing|acknowledged|resolved and ?alert=<id> (the link webhooks send) are read on the client
export default function AlertsPage() {
  return (
    <Suspense>
      <AlertCenter />
    </Suspense>
  );
}
