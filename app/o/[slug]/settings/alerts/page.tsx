import { AlertSettings } from "@/components/alerts/alert-settings";

export const metadata = { title: "Alert settings · Runwatch" };

// the layout has already required a session and resolved the caller's access to the organization
export default function AlertSettingsPage() {
  return <AlertSettings />;
}
