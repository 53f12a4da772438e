// One audited mutation: the permission check, the change and its audit entry in ONE transaction,
// with the caller's IP and user agent, and exactly one entry whatever happens. Every change of
// an organization's data by a person, an API key, the CLI or the monitor goes through audited();
// the tRPC ladder refuses a successful mutation that did not (server/trpc.ts requireAudited), so
// a new procedure without it fails the access walker (tests/integration/trpc-access.itest.ts).
//
// A refusal thrown by the change (not found, a conflict such as the last owner) rolls the change
// back and is recorded with success=false outside the rolled-back transaction. A refusal the
// change *returns* (`refused`, when it changed nothing) is recorded inside the transaction, with
// the before/after the caller saw, and then thrown.
//
// It lives in rbac as the ladder's last rung: it needs the role table, and the audit log (which
// rbac already writes) must not import rbac back.
import { AsyncLocalStorage } from "node:async_hooks";
import type pg from "pg";
import type { ServiceContext } from "../context";
import { recordAudit } from "../audit/service";
import { withTransaction } from "../db/transaction";
import { DomainError, ForbiddenError } from "../errors";
import { can, type Permission } from "./permissions";

export type { Queryable } from "../db/sql";
/** The transaction audited() opens, or the caller's: a full client, so ingestion can use savepoints. */
export type TransactionClient = pg.PoolClient;

/** Who is acting, in which organization, and from where: the one service context. */
export type { ServiceContext } from "../context";

export type AuditTarget = {
  action: string;
  resourceType: string;
  resourceId?: string | null;
  permission?: Permission;
  /**
   * false: a refusal thrown by the change (not found, a conflict) leaves no entry, only changes
   * do. Alerts, channels, views and workflows have always been audited that way and their tests
   * (and API clients reading the log) count on it; settings, members and operator actions record
   * every attempt. Default true.
   */
  recordRefusals?: boolean;
};

export type MutationOutcome<T> = {
  result: T;
  before?: unknown;
  after?: unknown;
  details?: unknown;
  resourceId?: string | null;
  /** the action as it turned out (a PUT that created: workflow.create), when not the target's */
  action?: string;
  /** false for an attempt that ran but did not succeed (a test message that failed); default true */
  success?: boolean;
  /** nothing changed (an idempotent retry found its work done): no entry, nothing happened */
  noop?: boolean;
  /** the change refused itself having changed nothing: recorded with success=false, then thrown */
  refused?: Error;
};

function describe(err: unknown): { error: string; message: string } {
  if (err instanceof DomainError) return { error: err.code, message: err.message };
  // internal messages can carry SQL; the audit row only says that it failed
  return { error: "INTERNAL", message: "internal error" };
}

/* --- the guard: a mutation scope that audited() marks ------------------------------------------ */

type Scope = { audited: number };
const scopes = new AsyncLocalStorage<Scope>();

/**
 * Runs fn in a mutation scope and returns how many audited changes committed within it. The tRPC
 * ladder wraps every mutation in one and refuses the answer when it is 0.
 */
export async function inMutationScope<T>(fn: () => Promise<T>): Promise<{ value: T; audited: number }> {
  const scope: Scope = { audited: 0 };
  const value = await scopes.run(scope, fn);
  return { value, audited: scope.audited };
}

/* --- the wrapper ------------------------------------------------------------------------------- */

export async function audited<T>(ctx: ServiceContext, target: AuditTarget, change: (client: TransactionClient) => Promise<MutationOutcome<T>>): Promise<T> {
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
  if (target.permission && ctx.role !== undefined && !can(ctx.role, target.permission)) {
    await recordAudit({ ...base, resourceId: target.resourceId ?? null, details: { error: "FORBIDDEN", permission: target.permission }, success: false }, ctx.client);
    throw new ForbiddenError(`your role (${ctx.role ?? "none"}) does not have the ${target.permission} permission`);
  }
  const run = async (client: TransactionClient) => {
    const out = await change(client);
    if (out.noop) return out;
    await recordAudit(
      {
        ...base,
        action: out.action ?? target.action,
        resourceId: out.resourceId ?? target.resourceId ?? null,
        before: out.before,
        after: out.after,
        details: out.refused ? (out.details ?? describe(out.refused)) : out.details,
        success: !out.refused && out.success !== false,
      },
      client,
    );
    return out;
  };
  let out: MutationOutcome<T>;
  try {
    out = ctx.client ? await run(ctx.client) : await withTransaction(run);
  } catch (err) {
    // the caller's transaction is aborted: its own handler records nothing more in it
    if (!ctx.client && target.recordRefusals !== false) await recordAudit({ ...base, resourceId: target.resourceId ?? null, details: describe(err), success: false }).catch(() => {});
    throw err;
  }
  const scope = scopes.getStore();
  if (scope) scope.audited++;
  if (out.refused) throw out.refused;
  return out.result;
}
