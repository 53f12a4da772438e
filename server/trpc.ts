/**
 * tRPC setup, in three sections: the context every call gets, the initialization (transformer
 * and error shape), and the procedure ladder that routers build on.
 *
 * Ladder: publicProcedure → authedProcedure (a session is required) → orgProcedure (resolves the
 * organization and the member's role into ctx) → role checks. Only the first rung exists yet;
 * sign-in adds the others here, so no router invents its own access check.
 */
import { initTRPC } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import superjson from "superjson";
import { ZodError, z } from "zod";

/* ---------------------------------------------------------------------------------------------
 * 1. Context
 * ------------------------------------------------------------------------------------------- */

export type CreateContextOptions = { headers: Headers };

/**
 * Everything a procedure may read about the caller. Kept narrow and plain so tests can build it
 * by hand and call procedures through createCaller without HTTP. The session (and later the
 * resolved organization) joins it when sign-in lands.
 */
export async function createTRPCContext(opts: CreateContextOptions) {
  return { headers: opts.headers };
}

export type Context = Awaited<ReturnType<typeof createTRPCContext>>;

/* ---------------------------------------------------------------------------------------------
 * 2. Initialization
 * ------------------------------------------------------------------------------------------- */

const INTERNAL_MESSAGE = "Internal server error";

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    // A 5xx's message can carry SQL, hostnames or stack fragments: the client gets a generic
    // message and the details stay in the server log (see app/api/trpc/[trpc]/route.ts).
    const internal = getHTTPStatusCodeFromError(error) >= 500;
    const data: Partial<typeof shape.data> & { zodError: unknown } = {
      ...shape.data,
      zodError: !internal && error.cause instanceof ZodError ? z.flattenError(error.cause) : null,
    };
    // stacks are for the server log, in development too
    delete data.stack;
    return { ...shape, message: internal ? INTERNAL_MESSAGE : shape.message, data };
  },
});

export const createCallerFactory = t.createCallerFactory;
export const createTRPCRouter = t.router;
export const middleware = t.middleware;

/* ---------------------------------------------------------------------------------------------
 * 3. Procedures
 * ------------------------------------------------------------------------------------------- */

/** No session required. Only for data that is public on purpose (and the demo, until sign-in). */
export const publicProcedure = t.procedure;

// authedProcedure = publicProcedure.use(requireSession)            — UNAUTHORIZED without a session
// orgProcedure    = authedProcedure.input({ orgSlug }).use(resolveMembership) — NOT_FOUND for a non-member
// requirePermission("executions:read") etc. on top, from the role → permission table
