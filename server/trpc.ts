/**
 * tRPC setup, in three sections: the context every call gets, the initialization (transformer,
 * error shape, procedure meta), and the procedure ladder that routers build on.
 *
 * Ladder: publicProcedure → authedProcedure (a session is required: UNAUTHORIZED) → orgProcedure
 * (input carries `orgSlug`; the organization and the caller's access are resolved once into ctx;
 * a non-member gets NOT_FOUND) → permissionProcedure(permission) (FORBIDDEN, and a denied
 * mutation is audited). No router invents its own access check.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import superjson from "superjson";
import { ZodError, z } from "zod";
import { recordAudit, type Actor } from "./audit/service";
import { getSessionFromHeaders, type AuthSession } from "./auth/session";
import { config } from "./config";
import { classifyError, findDomainError, RETRY_AFTER_UNAVAILABLE_SECONDS, type ErrorKind } from "./errors";
import { findBadText } from "./guard";
import { requestAddress } from "./http/client-address";
import { enterOrg, forbiddenMessage, type OrgAccess } from "./rbac/access";
import { inMutationScope, type ServiceContext } from "./rbac/audited";
import type { Permission } from "./rbac/permissions";

/* ---------------------------------------------------------------------------------------------
 * 1. Context
 * ------------------------------------------------------------------------------------------- */

export type CreateContextOptions = {
  headers: Headers;
  /**
   * The caller's session when it is already known: tests pass a hand-built one (or null), server
   * components pass the one they read. Left out, it is read from the request's cookie, and the
   * call is treated as coming over HTTP (so mutations get the CSRF check).
   */
  session?: AuthSession | null;
};

/** The session lookup reads the database: an outage there is a 503, not an internal error. */
async function sessionOrUnavailable(headers: Headers): Promise<AuthSession | null> {
  try {
    return await getSessionFromHeaders(headers);
  } catch (err) {
    const known = classifyError(err);
    if (known?.code === "SERVICE_UNAVAILABLE") throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: known.message, cause: known });
    throw err;
  }
}

/**
 * Everything a procedure may read about the caller. Kept narrow and plain so tests can build it
 * and call procedures through createCaller without HTTP.
 */
export async function createTRPCContext(opts: CreateContextOptions) {
  const injected = opts.session !== undefined;
  return {
    headers: opts.headers,
    session: injected ? (opts.session ?? null) : await sessionOrUnavailable(opts.headers),
    /** false for in-process callers with an injected session: no browser, so no CSRF to fear */
    viaHttp: !injected,
    /** the peer, or X-Forwarded-For only from a trusted proxy (server/http/client-address.ts) */
    ip: requestAddress(opts.headers),
    userAgent: opts.headers.get("user-agent"),
  };
}

export type Context = Awaited<ReturnType<typeof createTRPCContext>>;

/* ---------------------------------------------------------------------------------------------
 * 2. Initialization
 * ------------------------------------------------------------------------------------------- */

export type ProcedureMeta = {
  /** set by permissionProcedure; tests read it to know which role lacks it */
  permission?: Permission;
  /** how a denied attempt is written to the audit log (defaults: action = path, type = the router) */
  audit?: { action?: string; resourceType?: string; resourceIdFrom?: string };
};

const INTERNAL_MESSAGE = "Internal server error";
export const UNAVAILABLE_MESSAGE = "Service unavailable: the database cannot be reached. Retry in a few seconds.";

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      // A 5xx's message can carry SQL, hostnames or stack fragments: the client gets a generic
      // message and the details stay in the server log (see app/api/trpc/[trpc]/route.ts).
      const status = getHTTPStatusCodeFromError(error);
      const unavailable = error.code === "SERVICE_UNAVAILABLE";
      const internal = status >= 500 && !unavailable;
      const data: Partial<typeof shape.data> & { zodError: unknown; details: Record<string, unknown> | null } = {
        ...shape.data,
        zodError: !internal && error.cause instanceof ZodError ? z.flattenError(error.cause) : null,
        // e.g. { currentStatus } of a refused status change
        details: internal ? null : (findDomainError(error.cause)?.details ?? null),
      };
      // stacks are for the server log, in development too
      delete data.stack;
      return { ...shape, message: unavailable ? UNAVAILABLE_MESSAGE : internal ? INTERNAL_MESSAGE : shape.message, data };
    },
  });

/** Response headers of a tRPC answer: Retry-After when the database is unavailable, as on /api/v1. */
export function trpcResponseMeta({ errors }: { errors: TRPCError[] }): { headers?: Record<string, string> } {
  if (errors.some((e) => e.code === "SERVICE_UNAVAILABLE")) return { headers: { "retry-after": String(RETRY_AFTER_UNAVAILABLE_SECONDS) } };
  return {};
}

export const createCallerFactory = t.createCallerFactory;
export const createTRPCRouter = t.router;
export const middleware = t.middleware;

/* ---------------------------------------------------------------------------------------------
 * 3. Procedures
 * ------------------------------------------------------------------------------------------- */

const TRPC_CODE_OF_KIND: Record<ErrorKind, TRPCError["code"]> = {
  BAD_REQUEST: "BAD_REQUEST",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  METHOD_NOT_ALLOWED: "METHOD_NOT_SUPPORTED",
  CONFLICT: "CONFLICT",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  TOO_MANY_REQUESTS: "TOO_MANY_REQUESTS",
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
};

/**
 * The boundary guard (server/guard.ts) on the raw input, then the one error mapping
 * (server/errors.ts classifyError): domain errors become the tRPC code of their kind, an
 * unreachable database SERVICE_UNAVAILABLE; anything else stays an internal error.
 */
const mapDomainErrors = t.middleware(async ({ getRawInput, next }) => {
  const bad = findBadText(await getRawInput(), "input");
  if (bad) throw new TRPCError({ code: "BAD_REQUEST", message: bad.message, cause: bad });
  const result = await next();
  if (!result.ok && result.error.code === "INTERNAL_SERVER_ERROR") {
    const known = classifyError(result.error.cause ?? result.error);
    if (known) throw new TRPCError({ code: TRPC_CODE_OF_KIND[known.code], message: known.message, cause: known });
  }
  return result;
});

function originHost(value: string | null): string | null {
  if (!value) return null;
  try {
    return new URL(value).host;
  } catch {
    return null;
  }
}

/** The hosts this deployment answers on: the request's own, and the configured public URL. */
function expectedHosts(headers: Headers): Set<string> {
  const hosts = new Set<string>();
  for (const h of [headers.get("x-forwarded-host"), headers.get("host")]) if (h) hosts.add(h.split(",")[0]!.trim());
  for (const url of [config().BETTER_AUTH_URL, config().RUNWATCH_PUBLIC_URL]) {
    const host = originHost(url ?? null);
    if (host) hosts.add(host);
  }
  return hosts;
}

/**
 * Mutations are POSTs, and browsers send Origin on every POST (Referer when a proxy strips it):
 * one from another site is a cross-site request forgery, and one without either is refused too.
 * SameSite=Lax cookies already keep most of these out; this closes the rest (subdomains, old browsers).
 */
export function isSameOriginRequest(headers: Headers): boolean {
  const source = originHost(headers.get("origin")) ?? originHost(headers.get("referer"));
  return source !== null && expectedHosts(headers).has(source);
}

const csrfGuard = t.middleware(({ ctx, type, next }) => {
  if (type === "mutation" && ctx.viaHttp && !isSameOriginRequest(ctx.headers)) {
    throw new TRPCError({ code: "FORBIDDEN", message: "cross-site request refused: send mutations from the Runwatch app itself (Origin must match the host)" });
  }
  return next();
});

/**
 * An org-scoped mutation that commits must have written its audit entry through audited()
 * (server/rbac/audited.ts), in its own transaction. One that did not is a defect: it is refused
 * loudly here, so the access walker, which calls every mutation, fails for it. (Every mutation
 * is org-scoped and built on permissionProcedure; the walker checks that too.)
 */
const requireAudited = t.middleware(async ({ type, path, next }) => {
  if (type !== "mutation") return next();
  const { value: result, audited } = await inMutationScope(() => next());
  if (result.ok && audited === 0) {
    throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `mutation ${path} wrote no audit entry: wrap its change in audited() (server/rbac/audited.ts)` });
  }
  return result;
});

/** No session required. Only for data that is public on purpose. */
export const publicProcedure = t.procedure.use(mapDomainErrors).use(csrfGuard);

/** A signed-in user. UNAUTHORIZED only when there is no session. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in first" });
  const { user, sessionId } = ctx.session;
  const actor: Actor = { type: "USER", userId: user.id, label: user.email };
  return next({ ctx: { session: ctx.session, user, sessionId, actor } });
});

export const orgInput = z.object({ orgSlug: z.string().min(1).max(100) });

/** What an org-scoped handler receives: the organization, the caller's access, and audit facts. */
export type OrgContext = {
  org: OrgAccess["org"];
  access: OrgAccess;
  actor: Actor;
  ip: string | null;
  userAgent: string | null;
};

/** The service context of an org-scoped call: who, where, with which role, from which address. */
export const serviceContext = (ctx: OrgContext): ServiceContext => ({
  orgId: ctx.org.id,
  actor: ctx.actor,
  role: ctx.access.role,
  ip: ctx.ip,
  userAgent: ctx.userAgent,
});

/**
 * Org-scoped: the input carries `orgSlug`, and ctx gets `org` and `access` (role, read-only,
 * permissions), resolved once. A non-member gets NOT_FOUND, exactly as for an organization that
 * does not exist. A platform admin gets read-only access, and the visit is audited.
 */
export const orgProcedure = authedProcedure.input(orgInput).use(async ({ ctx, input, type, meta, next }) => {
  // read-only means read-only, even on a procedure that forgot its permission
  const refuseReadOnly = type === "mutation" && !meta?.permission;
  const access = await enterOrg({ user: ctx.user, sessionId: ctx.sessionId }, input.orgSlug, { ip: ctx.ip, userAgent: ctx.userAgent }, { refuseReadOnly });
  if (!access) throw new TRPCError({ code: "NOT_FOUND", message: `organization "${input.orgSlug}" not found` });
  return next({ ctx: { org: access.org, access } });
});

function rawResourceId(raw: unknown, field: string | undefined): string | null {
  if (!field || typeof raw !== "object" || raw === null) return null;
  const value = (raw as Record<string, unknown>)[field];
  return typeof value === "string" && value.length <= 200 ? value : null;
}

/**
 * Org-scoped and requiring a permission from the role table (server/rbac/permissions.ts).
 * A caller without it gets FORBIDDEN; a denied mutation writes an audit entry with success false.
 *
 *   cancel: permissionProcedure("executions:operate")
 *     .meta({ audit: { action: "execution.cancel", resourceType: "execution", resourceIdFrom: "executionId" } })
 *     .input(z.object({ executionId: z.string(), reason: z.string() }))   // merged with { orgSlug }
 *     .mutation(({ ctx, input }) => cancelExecution(ctx, input))
 */
export function permissionProcedure(permission: Permission) {
  return orgProcedure.meta({ permission }).use(async ({ ctx, type, path, meta, getRawInput, next }) => {
    if (!ctx.access.permissions.has(permission)) {
      if (type === "mutation") {
        await recordAudit({
          orgId: ctx.org.id,
          actor: ctx.actor,
          action: meta?.audit?.action ?? path,
          resourceType: meta?.audit?.resourceType ?? path.split(".")[0]!,
          resourceId: rawResourceId(await getRawInput(), meta?.audit?.resourceIdFrom),
          details: { denied: true, permission, role: ctx.access.role },
          ip: ctx.ip,
          userAgent: ctx.userAgent,
          success: false,
        });
      }
      throw new TRPCError({ code: "FORBIDDEN", message: forbiddenMessage(ctx.access, permission) });
    }
    return next();
  }).use(requireAudited);
}
