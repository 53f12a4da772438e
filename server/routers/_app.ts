import { createCallerFactory, createTRPCRouter } from "../trpc";
import { executionsRouter } from "./executions";

export const appRouter = createTRPCRouter({
  executions: executionsRouter,
});

export type AppRouter = typeof appRouter;

/** Calls procedures in-process: `createCaller(await createTRPCContext({ headers }))`. */
export const createCaller = createCallerFactory(appRouter);
