// GET /api/o/{slug}/audit/export: the audit log as CSV (server/routers/audit-export.ts).
import { auditExportRoute } from "@/server/routers/audit-export";

export const dynamic = "force-dynamic";

export const GET = auditExportRoute;
