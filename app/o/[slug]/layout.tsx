import { notFound } from "next/navigation";
import { OrgAccessProvider } from "@/components/auth/org-access";
import { EscapeClosesMenus, SkipLink } from "@/components/nav/keyboard";
import { ReplicaLagBanner } from "@/components/nav/replica-lag-banner";
import { TopNav } from "@/components/nav/top-nav";
import { currentSession, requestPath, requireSession } from "@/server/auth/next";
import { listMemberships, permissionList, recordPlatformAdminVisit, rememberLastOrg, resolveOrgAccess } from "@/server/rbac/access";
import { requestAddress } from "@/server/http/client-address";
import { headers } from "next/headers";

export const dynamic = "force-dynamic";

export default async function OrgLayout({ children, params }: { children: React.ReactNode; params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const session = await requireSession(await requestPath(`/o/${slug}`));
  const access = await resolveOrgAccess(session.user, slug);
  // someone else's organization looks exactly like one that does not exist
  if (!access) notFound();

  if (access.readOnly) {
    const h = await headers();
    await recordPlatformAdminVisit({ orgId: access.org.id, user: session.user, sessionId: session.sessionId, ip: requestAddress(h), userAgent: h.get("user-agent") });
  } else {
    await rememberLastOrg(session.user.id, access.org.slug);
  }
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
