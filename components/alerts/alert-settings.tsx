"use client";

// Settings → Alerts: channels (channels:manage) and rules (thresholds:manage), both ADMIN and up.
// Other roles get an explanation instead of controls; the server refuses them anyway.
import Link from "next/link";
import { useOrgAccess } from "@/components/auth/org-access";
import { ChannelsSection } from "./channels-section";
import { OrgRulesSection, WorkflowRulesSection } from "./rules-section";

export function AlertSettings() {
  const { org, role, permissions } = useOrgAccess();
  const canChannels = permissions.includes("channels:manage");
  const canRules = permissions.includes("thresholds:manage");

  return (
    <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-3 py-8 outline-none sm:px-6">
      <header className="mb-6">
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          <Link href={`/o/${org.slug}/settings`} prefetch={false} className="underline underline-offset-2">
            Settings
          </Link>{" "}
          /
        </p>
        <h1 className="text-2xl font-semibold tracking-tight">Alert channels and rules</h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Where {org.name}&apos;s alerts are sent, and when they fire.{" "}
          <Link href={`/o/${org.slug}/alerts`} prefetch={false} className="text-blue-800 underline underline-offset-2 dark:text-blue-300">
            Open the alert center
          </Link>
        </p>
      </header>
      {!canChannels && !canRules ? (
        <p data-testid="alert-settings-not-allowed" className="rounded-lg border border-dashed border-zinc-300 p-8 text-center text-sm text-zinc-700 dark:border-zinc-700 dark:text-zinc-300">
          Alert channels and rules are managed by the organization&apos;s ADMINs and OWNERs. Your role{role ? ` (${role})` : ""} can view alerts in the alert center.
        </p>
      ) : (
        <div className="space-y-6">
          {canChannels && <ChannelsSection orgSlug={org.slug} />}
          {canRules && <OrgRulesSection orgSlug={org.slug} />}
          {canRules && <WorkflowRulesSection orgSlug={org.slug} />}
        </div>
      )}
    </main>
  );
}
