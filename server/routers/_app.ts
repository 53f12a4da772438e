import { createCallerFactory, createTRPCRouter } from "../trpc";
import { executionsRouter } from "./executions";
import { orgsRouter } from "./orgs";
import { sessionRouter } from "./session";

export const appRouter = createTRPCRouter({
  session: sessionRouter,
  orgs: orgsRouter,
  executions: executionsRouter,
});

export type AppRouter = typeof appRouter;

/**
 * Calls procedures in-process. Over HTTP the session comes from the cookie; tests and server
 * components inject it: `createCaller(await createTRPCContext({ headers, session }))`.
 */
export const createCaller = createCallerFactory(appRouter);
