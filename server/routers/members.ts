import { z } from "zod";
import { addMember, addMemberInput, changeMemberRole, changeRoleInput, listMembers, memberSchema, removeMember, removeMemberInput } from "../members/service";
import { createTRPCRouter, serviceContext, permissionProcedure } from "../trpc";

// only what the settings page shows: never a password hash, session or account row
const memberOutput = memberSchema.strict();

export const membersRouter = createTRPCRouter({
  // the member list is management information: those who manage members see it
  list: permissionProcedure("members:manage")
    .output(z.object({ items: z.array(memberOutput) }))
    .query(async ({ ctx }) => ({ items: await listMembers(serviceContext(ctx)) })),

  add: permissionProcedure("members:manage")
    .meta({ audit: { action: "member.add", resourceType: "membership" } })
    .input(addMemberInput)
    .output(memberOutput.extend({ userCreated: z.boolean() }).strict())
    .mutation(({ ctx, input }) => addMember(serviceContext(ctx), input)),

  changeRole: permissionProcedure("members:manage")
    .meta({ audit: { action: "member.change_role", resourceType: "membership", resourceIdFrom: "userId" } })
    .input(changeRoleInput)
    .output(memberOutput)
    .mutation(({ ctx, input }) => changeMemberRole(serviceContext(ctx), input)),

  remove: permissionProcedure("members:manage")
    .meta({ audit: { action: "member.remove", resourceType: "membership", resourceIdFrom: "userId" } })
    .input(removeMemberInput)
    .output(z.object({ userId: z.string() }).strict())
    .mutation(({ ctx, input }) => removeMember(serviceContext(ctx), input)),
});
