// The audit log: who did what to which resource, with before/after, IP, user agent and
// whether it was allowed. Pass a transaction client to record inside the caller's transaction.
import { pool } from "../db/client";
import type { Queryable } from "../db/sql";
import { insertAuditEntry } from "./queries";

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

export async function recordAudit(entry: AuditEntry, client: Queryable = pool()): Promise<void> {
  await insertAuditEntry(client, {
    orgId: entry.orgId,
    actorType: entry.actor.type,
    actorUserId: entry.actor.type === "USER" ? entry.actor.userId : null,
    actorApiKeyId: entry.actor.type === "API_KEY" ? entry.actor.apiKeyId : null,
    actorLabel: entry.actor.label,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId ?? null,
    before: json(entry.before),
    after: json(entry.after),
    details: json(entry.details),
    ip: entry.ip ?? null,
    userAgent: entry.userAgent ?? null,
    success: entry.success,
  });
}
