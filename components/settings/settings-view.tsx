"use client";

// The settings page: each section is offered only to roles that may use it (the same can()
// table the server enforces), so a VIEWER sees an explanation instead of controls.
import Link from "next/link";
import { useOrgAccess } from "@/components/auth/org-access";
import { ApiKeysSection } from "./api-keys-section";
import { MembersSection } from "./members-section";
import { OwnerSection, ThresholdsSection } from "./org-section";

export function SettingsView({ userId }: { userId: string | null }) {
  const { org, role, permissions } = useOrgAccess();
  const can = (p: (typeof permissions)[number]) => permissions.includes(p);
  const any = can("members:manage") || can("apiKeys:manage") || can("thresholds:manage") || can("channels:manage") || can("org:rename") || can("org:delete");

  return (
    <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-3 py-8 outline-none sm:px-6">
      <header className="mb-6">
        <h1 className="text-2xl font-semibold tracking-tight">Settings</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Members, API keys and defaults of {org.name}
          {can("channels:manage") && (
            <>
              {" · "}
              <Link className="underline underline-offset-2 hover:text-zinc-900 dark:hover:text-zinc-100" href={`/o/${encodeURIComponent(org.slug)}/settings/alerts`}>
                Alert channels and rules
              </Link>
            </>
          )}
        </p>
      </header>
      {!any ? (
        <p data-testid="settings-not-allowed" className="rounded-lg border border-dashed border-zinc-300 p-8 text-center text-sm text-zinc-700 dark:border-zinc-700 dark:text-zinc-300">
          Settings are managed by the organization&apos;s ADMINs and OWNERs. Your role{role ? ` (${role})` : ""} can view executions, alerts and the audit log.
        </p>
      ) : (
        <div className="space-y-6">
          {can("members:manage") && <MembersSection orgSlug={org.slug} myRole={role} myUserId={userId} />}
          {can("apiKeys:manage") && <ApiKeysSection orgSlug={org.slug} />}
          {can("thresholds:manage") && <ThresholdsSection orgSlug={org.slug} canEdit />}
          {(can("org:rename") || can("org:delete")) && <OwnerSection orgSlug={org.slug} orgName={org.name} canRename={can("org:rename")} canDelete={can("org:delete")} />}
        </div>
      )}
    </main>
  );
}
