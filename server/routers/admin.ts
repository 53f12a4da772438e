import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { listOrgOverview, orgOverviewSchema } from "../admin/service";
import { authedProcedure, createTRPCRouter } from "../trpc";

/**
 * Platform administration. Anyone else gets NOT_FOUND, as the /admin page answers them: the
 * area's existence is not advertised.
 */
const platformAdminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!ctx.user.isPlatformAdmin) throw new TRPCError({ code: "NOT_FOUND", message: "not found" });
  return next();
});

export const adminRouter = createTRPCRouter({
  organizations: platformAdminProcedure
    .output(z.object({ items: z.array(orgOverviewSchema.strict()), truncated: z.boolean() }))
    .query(() => listOrgOverview()),
});
