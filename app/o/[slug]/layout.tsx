import { notFound } from "next/navigation";
import { OrgAccessProvider } from "@/components/auth/org-access";
import { EscapeClosesMenus, SkipLink } from "@/components/nav/keyboard";
import { ReplicaLagBanner } from "@/components/nav/replica-lag-banner";
import { TopNav } from "@/components/nav/top-nav";
import { currentSession, requestPath, requireSession } from "@/server/auth/next";
import { headersMeta } from "@/server/http/api";
import { enterOrg, listMemberships, permissionList, rememberLastOrg, resolveOrgAccess } from "@/server/rbac/access";
import { headers } from "next/headers";

export const dynamic = "force-dynamic";

export default async function OrgLayout({ children, params }: { children: React.ReactNode; params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const session = await requireSession(await requestPath(`/o/${slug}`));
  // the ladder's organization step, as for tRPC (a platform admin's visit is audited there)
  const access = await enterOrg(session, slug, headersMeta(await headers()));
  // someone else's organization looks exactly like one that does not exist
  if (!access) notFound();
  if (!access.readOnly) await rememberLastOrg(session.user.id, access.org.slug);
  const memberships = await listMemberships(session.user.id);
  const permissions = permissionList(access.permissions);

  return (
    <OrgAccessProvider value={{ org: { slug: access.org.slug, name: access.org.name }, role: access.role, readOnly: access.readOnly, permissions, userId: session.user.id }}>
      <SkipLink />
      <EscapeClosesMenus />
      <TopNav org={access.org} role={access.role} readOnly={access.readOnly} permissions={permissions} user={session.user} memberships={memberships} />
      <ReplicaLagBanner />
      {children}
    </OrgAccessProvider>
  );
}

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const session = await currentSession();
  const access = session ? await resolveOrgAccess(session.user, slug) : null;
  return { title: access ? `${access.org.name} · Runwatch` : "Runwatch" };
}
