// GET /api/o/{slug}/audit/export?actor=&action=&resourceType=&resourceId=&from=&to=
// The audit log's filtered rows as CSV, streamed. The same session and organization rules as the
// tRPC ladder: 401 without a session, 404 for an organization the caller cannot see, 403 without
// audit:read, 400 for filters that do not validate; errors and the boundary guard as on /api/v1.
import { recordAudit } from "@/server/audit/service";
import { auditCsvStream, parseAuditFilters, type AuditFiltersInput } from "@/server/audit/query";
import { getSessionFromHeaders } from "@/server/auth/session";
import { BadRequestError, DomainError, ForbiddenError, NotFoundError } from "@/server/errors";
import { requestMeta, route } from "@/server/http/api";
import { recordPlatformAdminVisit, resolveOrgAccess } from "@/server/rbac/access";

export const dynamic = "force-dynamic";

const FILTER_KEYS = ["actor", "action", "resourceType", "resourceId", "from", "to"] as const;

export const GET = route<{ slug: string }>("/api/o/:slug/audit/export", async (req, { slug }) => {
  const session = await getSessionFromHeaders(req.headers);
  if (!session) throw new DomainError("UNAUTHORIZED", "sign in first");
  const access = await resolveOrgAccess(session.user, slug);
  if (!access) throw new NotFoundError(`organization "${slug}" not found`);
  if (!access.permissions.has("audit:read")) throw new ForbiddenError("your role may not read the audit log (needs audit:read)");

  const url = new URL(req.url);
  const input: AuditFiltersInput = {};
  for (const key of FILTER_KEYS) {
    const value = url.searchParams.get(key);
    if (value) input[key] = value as never;
  }
  let filters;
  try {
    filters = parseAuditFilters(input);
  } catch (err) {
    throw new BadRequestError((err as Error).message, { apiCode: "INVALID_QUERY" });
  }

  const { ip, userAgent } = requestMeta(req);
  if (access.readOnly) await recordPlatformAdminVisit({ orgId: access.org.id, user: session.user, sessionId: session.sessionId, ip, userAgent });
  // an export copies the log out of Runwatch: who took which rows is itself worth a record
  await recordAudit({
    orgId: access.org.id,
    actor: { type: "USER", userId: session.user.id, label: session.user.email },
    action: "audit.export",
    resourceType: "audit_log",
    details: { filters },
    ip,
    userAgent,
    success: true,
  });

  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  return new Response(auditCsvStream(access.org.id, filters), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="audit-${access.org.slug}-${stamp}.csv"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});
