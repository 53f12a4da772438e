// The audit log's SQL: the one INSERT every audited change ends with, and the filtered, keyset-
// paged read that the page, the tRPC list and the CSV export share.
import { z } from "zod";
import { defineCommand, defineDynamicQuery, type Queryable, type SqlText } from "../db/sql";

const INSERT_ENTRY = defineCommand(
  "audit.insert_entry",
  `INSERT INTO audit_logs ("orgId", "actorType", "actorUserId", "actorApiKeyId", "actorLabel", action, "resourceType", "resourceId",
     before, after, details, ip, "userAgent", success)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
);

export type AuditRow = {
  orgId: string;
  actorType: "USER" | "API_KEY" | "SYSTEM";
  actorUserId: string | null;
  actorApiKeyId: string | null;
  actorLabel: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  /** JSON text, or null */
  before: string | null;
  after: string | null;
  details: string | null;
  ip: string | null;
  userAgent: string | null;
  success: boolean;
};

export const insertAuditEntry = (db: Queryable, r: AuditRow) =>
  INSERT_ENTRY.run(db, [r.orgId, r.actorType, r.actorUserId, r.actorApiKeyId, r.actorLabel, r.action, r.resourceType, r.resourceId, r.before, r.after, r.details, r.ip, r.userAgent, r.success]);

export const auditEntryRow = z.object({
  id: z.string(),
  at: z.date(),
  actorType: z.enum(["USER", "API_KEY", "SYSTEM"]),
  actorLabel: z.string(),
  actorUserId: z.string().nullable(),
  actorApiKeyId: z.string().nullable(),
  action: z.string(),
  resourceType: z.string(),
  resourceId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  details: z.unknown(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  success: z.boolean(),
});

/** What the list and the export filter on; validated (server/audit/query.ts) before it gets here. */
export type AuditPageFilters = {
  actor?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  from?: Date;
  to?: Date;
};
export type AuditPosition = { at: Date; id: string };

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

const COLUMNS = `id::text AS id, at, "actorType"::text AS "actorType", "actorLabel", "actorUserId", "actorApiKeyId"::text AS "actorApiKeyId",
  action, "resourceType", "resourceId", before, after, details, ip, "userAgent", success`;

function pageSql(orgId: string, f: AuditPageFilters, after: AuditPosition | null, limit: number): SqlText {
  const values: unknown[] = [orgId];
  const p = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const where = [`"orgId" = $1`];
  if (f.actor) {
    const v = p(f.actor);
    where.push(`("actorLabel" ILIKE '%' || ${p(escapeLike(f.actor))} || '%' OR "actorUserId" = ${v} OR "actorApiKeyId"::text = ${v})`);
  }
  if (f.action) where.push(`(action = ${p(f.action)} OR action LIKE ${p(`${escapeLike(f.action)}.%`)})`);
  if (f.resourceType) where.push(`"resourceType" = ${p(f.resourceType)}`);
  if (f.resourceId) where.push(`"resourceId" = ${p(f.resourceId)}`);
  if (f.from) where.push(`at >= ${p(f.from)}`);
  if (f.to) where.push(`at <= ${p(f.to)}`);
  if (after) where.push(`(at, id) < (${p(after.at)}, ${p(after.id)}::bigint)`);
  // served by audit_logs (orgId, at DESC, id DESC): the filters narrow a walk down that index
  return { text: `SELECT ${COLUMNS} FROM audit_logs WHERE ${where.join(" AND ")} ORDER BY at DESC, id DESC LIMIT ${p(limit)}`, values };
}

const PAGE = defineDynamicQuery("audit.page", auditEntryRow);

/** Up to limit entries of the organization matching the filters, newest first, after the position. */
export const auditPage = (db: Queryable, orgId: string, filters: AuditPageFilters, after: AuditPosition | null, limit: number) =>
  PAGE.all(db, pageSql(orgId, filters, after, limit));
