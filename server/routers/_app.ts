import { createCallerFactory, createTRPCRouter } from "../trpc";
import { adminRouter } from "./admin";
import { alertsRouter } from "./alerts";
import { apiKeysRouter } from "./apiKeys";
import { auditRouter } from "./audit";
import { channelsRouter } from "./channels";
import { dashboardRouter } from "./dashboard";
import { executionsRouter } from "./executions";
import { membersRouter } from "./members";
import { orgSettingsRouter } from "./orgSettings";
import { orgsRouter } from "./orgs";
import { sessionRouter } from "./session";
import { viewsRouter } from "./views";
import { workflowsRouter } from "./workflows";

export const appRouter = createTRPCRouter({
  session: sessionRouter,
  orgs: orgsRouter,
  executions: executionsRouter,
  members: membersRouter,
  apiKeys: apiKeysRouter,
  orgSettings: orgSettingsRouter,
  audit: auditRouter,
  admin: adminRouter,
  dashboard: dashboardRouter,
  views: viewsRouter,
  workflows: workflowsRouter,
  alerts: alertsRouter,
  channels: channelsRouter,
});

export type AppRouter = typeof appRouter;

/**
 * Calls procedures in-process. Over HTTP the session comes from the cookie; tests and server
 * components inject it: `createCaller(await createTRPCContext({ headers, session }))`.
 */
export const createCaller = createCallerFactory(appRouter);
