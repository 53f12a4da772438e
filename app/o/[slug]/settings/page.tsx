import { SettingsView } from "@/components/settings/settings-view";
import { currentSession } from "@/server/auth/next";

export const metadata = { title: "Settings · Runwatch" };

// the layout has already required a session and resolved the caller's access to the organization
export default async function SettingsPage() {
  const session = await currentSession();
  return <SettingsView userId={session?.user.id ?? null} />;
}
