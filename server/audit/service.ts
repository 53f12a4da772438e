// The audit log: who did what to which resource, with before/after, IP, user agent and
// whether it was allowed. Pass a transaction client to record inside the caller's transaction.
import type pg from "pg";
import { pool } from "../db/client";

export type Actor =
  | { type: "USER"; userId: string; label: string }
  | { type: "API_KEY"; apiKeyId: string; label: string }
  | { type: "SYSTEM"; label: string };

export type AuditEntry = {
  orgId: string;
  actor: Actor;
  action: string;
  resourceType: string;
  resourceId?: string | null;
  before?: unknown;
  after?: unknown;
  details?: unknown;
  ip?: string | null;
  userAgent?: string | null;
  success: boolean;
};

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

export async function recordAudit(entry: AuditEntry, client: Pick<pg.PoolClient, "query"> = pool()): Promise<void> {
  await client.query(
    `INSERT INTO audit_logs ("orgId", "actorType", "actorUserId", "actorApiKeyId", "actorLabel", action, "resourceType", "resourceId",
       before, after, details, ip, "userAgent", success)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [
      entry.orgId,
      entry.actor.type,
      entry.actor.type === "USER" ? entry.actor.userId : null,
      entry.actor.type === "API_KEY" ? entry.actor.apiKeyId : null,
      entry.actor.label,
      entry.action,
      entry.resourceType,
      entry.resourceId ?? null,
      json(entry.before),
      json(entry.after),
      json(entry.details),
      entry.ip ?? null,
      entry.userAgent ?? null,
      entry.success,
    ],
  );
}
