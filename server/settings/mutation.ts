// One audited mutation: the permission check, the change and its audit entry in one transaction,
// and exactly one entry whatever happens. A refusal (no permission, not found, a conflict such as
// the last owner) rolls the change back and is recorded with success=false outside the rolled-back
// transaction, so denied attempts leave a trace too.
import type pg from "pg";
import { recordAudit, type Actor } from "../audit/service";
import { withTransaction } from "../db/transaction";
import { can, type Permission, type Role } from "../rbac/permissions";
import { SettingsError } from "./errors";

/** Who is acting, in which organization, and from where: what every audited mutation needs. */
export type MutationContext = {
  orgId: string;
  actor: Actor;
  /** the caller's role in orgId; null for a platform admin visiting (read-only) or a system caller without a membership */
  role: Role | null;
  ip?: string | null;
  userAgent?: string | null;
};

export type AuditTarget = { action: string; resourceType: string; resourceId?: string | null; permission: Permission };

export type MutationOutcome<T> = { result: T; before?: unknown; after?: unknown; details?: unknown; resourceId?: string | null };

function describe(err: unknown): { error: string; message: string } {
  if (err instanceof SettingsError) return { error: err.code, message: err.message };
  // internal messages can carry SQL; the audit row only says that it failed
  return { error: "INTERNAL", message: "internal error" };
}

export async function auditedMutation<T>(
  ctx: MutationContext,
  target: AuditTarget,
  change: (client: pg.PoolClient) => Promise<MutationOutcome<T>>,
): Promise<T> {
  const base = {
    orgId: ctx.orgId,
    actor: ctx.actor,
    action: target.action,
    resourceType: target.resourceType,
    ip: ctx.ip ?? null,
    userAgent: ctx.userAgent ?? null,
  };
  // Services check the permission themselves too (defence in depth, and the CLI or a test may call
  // them directly); behind the tRPC ladder the same check has already answered, so this never
  // writes a second entry for one request.
  if (!can(ctx.role, target.permission)) {
    await recordAudit({ ...base, resourceId: target.resourceId ?? null, details: { error: "FORBIDDEN", permission: target.permission }, success: false });
    throw new SettingsError("FORBIDDEN", `your role (${ctx.role ?? "none"}) does not have the ${target.permission} permission`);
  }
  try {
    return await withTransaction(async (client) => {
      const out = await change(client);
      await recordAudit(
        { ...base, resourceId: out.resourceId ?? target.resourceId ?? null, before: out.before, after: out.after, details: out.details, success: true },
        client,
      );
      return out.result;
    });
  } catch (err) {
    await recordAudit({ ...base, resourceId: target.resourceId ?? null, details: describe(err), success: false }).catch(() => {});
    throw err;
  }
}

/**
 * Serializes the membership and settings changes of one organization (so two owners demoting each
 * other cannot leave none). NO KEY UPDATE does not conflict with the KEY SHARE locks that inserts
 * referencing the organization take, so ingestion never waits on it.
 */
export async function lockOrg(client: Pick<pg.PoolClient, "query">, orgId: string): Promise<{ id: string; slug: string; name: string; stuckScheduledAfterSeconds: number; stuckRunningAfterSeconds: number }> {
  const { rows } = await client.query(
    `SELECT id, slug, name, "stuckScheduledAfterSeconds", "stuckRunningAfterSeconds" FROM organizations WHERE id = $1 FOR NO KEY UPDATE`,
    [orgId],
  );
  if (!rows[0]) throw new SettingsError("NOT_FOUND", "organization not found");
  return rows[0];
}
