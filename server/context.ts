// The one service context. Every service function is called `(ctx, input)`, by tRPC, the REST
// API, the CLI and the monitor alike: ctx says in which organization, who is acting (for the
// audit log), with which role, from which address, and in which transaction, if the caller
// already holds one. Reads use only what they need of it (ReadContext), so any ServiceContext
// can be passed to a read. Built in one place per caller: tRPC `serviceContext()` (server/trpc.ts),
// REST `apiKeyContext()` (server/http/api.ts), and `systemContext()` below for the CLI and the
// monitor.
import type { Actor } from "./audit/service";
import type { Queryable } from "./db/sql";
import type pg from "pg";
import type { Role } from "./rbac/permissions";

export type ServiceContext = {
  orgId: string;
  actor: Actor;
  /**
   * the caller's role in orgId, checked against the target's permission; null for a platform
   * admin visiting (read-only); undefined for callers the ladder or an API key already admitted
   */
  role?: Role | null;
  ip?: string | null;
  userAgent?: string | null;
  /** the caller's open transaction, to join instead of opening one (the monitor's sweep, bulk jobs) */
  client?: pg.PoolClient;
};

/** What a read needs of the context: the organization, and a transaction to read in, if any. */
export type ReadContext = Pick<ServiceContext, "orgId"> & { client?: Queryable };

/** The context of Runwatch acting by itself: the CLI (`label: "cli"`), the monitor, a bulk job. */
export function systemContext(orgId: string, label: string, client?: pg.PoolClient): ServiceContext {
  return { orgId, actor: { type: "SYSTEM", label }, ...(client ? { client } : {}) };
}
