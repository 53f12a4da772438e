// GET /api/o/{slug}/audit/export?actor=&action=&resourceType=&resourceId=&from=&to=
// The audit log's filtered rows as CSV, streamed. Access goes through the ladder's own steps
// (server/rbac/access.ts enterOrg, requirePermission): 401 without a session, 404 for an
// organization the caller cannot see, 403 without audit:read, 400 for filters that do not
// validate; errors and the boundary guard as on /api/v1.
// It sits with the routers, the layer above http, auth, rbac and audit, which it all uses.
import { getSessionFromHeaders } from "../auth/session";
import { BadRequestError, DomainError, NotFoundError } from "../errors";
import { requestMeta, route } from "../http/api";
import { enterOrg, requirePermission } from "../rbac/access";
import { audited } from "../rbac/audited";
import { auditCsvStream, parseAuditFilters, type AuditFiltersInput } from "../audit/query";
import { serviceContext } from "../trpc";

const FILTER_KEYS = ["actor", "action", "resourceType", "resourceId", "from", "to"] as const;

export const auditExportRoute = route<{ slug: string }>("/api/o/:slug/audit/export", async (req, { slug }) => {
  const session = await getSessionFromHeaders(req.headers);
  if (!session) throw new DomainError("UNAUTHORIZED", "sign in first");
  const meta = requestMeta(req);
  const access = await enterOrg(session, slug, meta);
  if (!access) throw new NotFoundError(`organization "${slug}" not found`);
  requirePermission(access, "audit:read");
  const ctx = serviceContext({ org: access.org, access, actor: { type: "USER", userId: session.user.id, label: session.user.email }, ...meta });

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

  // an export copies the log out of Runwatch: who took which rows is itself worth a record,
  // written the way every audited action is (the permission was checked above: a platform admin
  // may export on read-only access, which audited() would refuse as "no role")
  await audited(ctx, { action: "audit.export", resourceType: "audit_log" }, async () => ({ result: undefined, details: { filters } }));

  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  return new Response(auditCsvStream(ctx, filters), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="audit-${access.org.slug}-${stamp}.csv"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});
