import { z } from "zod";
import { permissionList } from "../rbac/access";
import { PERMISSIONS, ROLES } from "../rbac/permissions";
import { createTRPCRouter, orgProcedure } from "../trpc";

export const currentOrgOutput = z.object({
  org: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  role: z.enum(ROLES).nullable(),
  readOnly: z.boolean(),
  permissions: z.array(z.enum(PERMISSIONS)),
});

export const orgsRouter = createTRPCRouter({
  /** The organization and what the caller may do in it (for the nav and for hiding actions). */
  current: orgProcedure.output(currentOrgOutput).query(({ ctx }) => ({
    org: ctx.org,
    role: ctx.access.role,
    readOnly: ctx.access.readOnly,
    permissions: permissionList(ctx.access.permissions),
  })),
});
