import { z } from "zod";
import { REPLICA_LAG_WARN_SECONDS, replicaLagSeconds } from "../health/replica-lag";
import { listMemberships, permissionList, permissionsOf } from "../rbac/access";
import { PERMISSIONS, ROLES } from "../rbac/permissions";
import { authedProcedure, createTRPCRouter } from "../trpc";
import { getListPrefs, listPrefsPatchSchema, listPrefsSchema, updateListPrefs } from "../users/preferences";

export const meOutput = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string(), isPlatformAdmin: z.boolean() }),
  memberships: z.array(
    z.object({
      orgId: z.string(),
      slug: z.string(),
      name: z.string(),
      role: z.enum(ROLES),
      // from the same table the server enforces, so the UI hides exactly what would be refused
      permissions: z.array(z.enum(PERMISSIONS)),
    }),
  ),
});

export const sessionRouter = createTRPCRouter({
  me: authedProcedure.output(meOutput).query(async ({ ctx }) => {
    const memberships = await listMemberships(ctx.user.id);
    return {
      user: ctx.user,
      memberships: memberships.map((m) => ({ ...m, permissions: permissionList(permissionsOf(m.role, false)) })),
    };
  }),

  /** How far the read replicas are behind (null without replicas), for the UI's lag banner. */
  replicaLag: authedProcedure
    .output(z.object({ seconds: z.number().nullable(), warnAboveSeconds: z.number() }))
    .query(async () => ({ seconds: await replicaLagSeconds(), warnAboveSeconds: REPLICA_LAG_WARN_SECONDS })),

  /** the signed-in user's own list layout: the user comes from the session, never the input */
  listPrefs: authedProcedure.output(listPrefsSchema).query(({ ctx }) => getListPrefs(ctx.user.id)),
  setListPrefs: authedProcedure
    .input(listPrefsPatchSchema)
    .output(listPrefsSchema)
    .mutation(({ ctx, input }) => updateListPrefs(ctx.user.id, input)),
});
