// CSV for the audit log export: RFC 4180 quoting, CRLF line ends, and a guard against formula
// injection: a spreadsheet runs a cell starting with = + - @ (or a tab / carriage return that
// hides one) as a formula, and an actor label or resource id is attacker-controlled text.
export const FORMULA_TRIGGERS = /^[=+\-@\t\r]/;

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let s: string;
  if (value instanceof Date) s = value.toISOString();
  else if (typeof value === "string") s = value;
  else if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") s = String(value);
  else s = JSON.stringify(value);
  // a leading apostrophe makes spreadsheets show the text as text; the value stays readable
  if (FORMULA_TRIGGERS.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

export type AuditCsvEntry = {
  id: string;
  at: Date;
  actorType: string;
  actorLabel: string;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  success: boolean;
  ip: string | null;
  userAgent: string | null;
  before: unknown;
  after: unknown;
  details: unknown;
};

export const AUDIT_CSV_COLUMNS = [
  "id",
  "at_utc",
  "actor_type",
  "actor",
  "actor_user_id",
  "actor_api_key_id",
  "action",
  "resource_type",
  "resource_id",
  "success",
  "ip",
  "user_agent",
  "before",
  "after",
  "details",
] as const;

export const auditCsvHeader = () => csvRow(AUDIT_CSV_COLUMNS);

export function auditCsvRow(e: AuditCsvEntry): string {
  return csvRow([
    e.id,
    e.at,
    e.actorType,
    e.actorLabel,
    e.actorUserId,
    e.actorApiKeyId,
    e.action,
    e.resourceType,
    e.resourceId,
    e.success,
    e.ip,
    e.userAgent,
    e.before,
    e.after,
    e.details,
  ]);
}
