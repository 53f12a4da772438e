import { z } from "zod";
import { deleteOrg, deleteOrgInput, getOrgSettings, orgSettingsSchema, renameOrg, renameOrgInput, updateOrgThresholds, updateThresholdsInput } from "../settings/org";
import { createTRPCRouter, serviceContext, permissionProcedure } from "../trpc";

const settingsOutput = orgSettingsSchema.strict();

export const orgSettingsRouter = createTRPCRouter({
  // thresholds are read by everyone who may change them; the page shows them read-only otherwise
  get: permissionProcedure("executions:read")
    .output(settingsOutput)
    .query(({ ctx }) => getOrgSettings(serviceContext(ctx))),

  updateThresholds: permissionProcedure("thresholds:manage")
    .meta({ audit: { action: "org.update_thresholds", resourceType: "organization" } })
    .input(updateThresholdsInput)
    .output(settingsOutput)
    .mutation(({ ctx, input }) => updateOrgThresholds(serviceContext(ctx), input)),

  rename: permissionProcedure("org:rename")
    .meta({ audit: { action: "org.rename", resourceType: "organization" } })
    .input(renameOrgInput)
    .output(settingsOutput)
    .mutation(({ ctx, input }) => renameOrg(serviceContext(ctx), input)),

  delete: permissionProcedure("org:delete")
    .meta({ audit: { action: "org.delete", resourceType: "organization" } })
    .input(deleteOrgInput)
    .output(z.object({ id: z.string(), slug: z.string(), deletedRows: z.record(z.string(), z.number().int()) }).strict())
    .mutation(({ ctx, input }) => deleteOrg(serviceContext(ctx), input)),
});
