import { z } from "zod";
import { systemContext } from "../../context";
import { setMembership } from "../../members/service";
import { requireOrgBySlug } from "../../orgs/service";
import { createUser, emailSchema, findUserByEmail, passwordSchema, roleSchema, setPlatformAdmin } from "../../users/service";
import { parseCommandArgs, validateArgs } from "../args";
import { CliError } from "../errors";
import { orgSlugSchema } from "../../orgs/service";
import type { Command } from "./types";

const usage = "runwatch user create <email> --password P [--org SLUG --role VIEWER|OPERATOR|ADMIN|OWNER] [--platform-admin] [--json]";

const argsSchema = z
  .object({
    positionals: z.tuple([emailSchema], { error: "expected exactly one email" }),
    values: z
      .object({
        password: passwordSchema.optional(),
        org: orgSlugSchema.optional(),
        role: roleSchema.optional(),
        "platform-admin": z.boolean().optional(),
      })
      .loose(),
  })
  .refine((a) => !(a.values.role && !a.values.org), { message: "--role needs --org (the organization the role applies in)" });

export const userCreateCommand: Command = {
  path: ["user", "create"],
  usage,
  summary: "create a user who signs in with email + password, optionally as a member of an organization",
  async run(argv) {
    const parsed = parseCommandArgs(argv, { password: { type: "string" }, org: { type: "string" }, role: { type: "string" }, "platform-admin": { type: "boolean" } }, usage);
    const { positionals, values } = validateArgs(argsSchema, parsed, usage);
    const email = positionals[0];
    const platformAdmin = values["platform-admin"] === true;
    // the org is resolved first, so a typo in --org creates nothing
    const org = values.org ? await requireOrgBySlug(values.org) : null;
    const role = values.role ?? "VIEWER";
    const lines: string[] = [];

    let user = await findUserByEmail(email);
    const created = user === null;
    if (!user) {
      if (!values.password) throw new CliError(`--password is required to create a user; usage: ${usage}`, 2);
      user = await createUser({ email, password: values.password, isPlatformAdmin: platformAdmin });
      lines.push(`Created user ${user.email}${platformAdmin ? " (platform admin)" : ""}`);
    } else {
      // an existing user gains a membership or the admin flag; their password is left as it is
      if (!org && !platformAdmin) throw new CliError(`a user with email ${email} already exists (pass --org SLUG --role ROLE to add a membership)`);
      if (platformAdmin && !user.isPlatformAdmin) {
        await setPlatformAdmin(user.id, true);
        lines.push(`${user.email} is now a platform admin`);
      }
      if (values.password) lines.push("The existing user's password was not changed.");
    }

    let membership: { org: string; role: string; created: boolean } | null = null;
    if (org) {
      const { created: membershipCreated } = await setMembership(systemContext(org.id, "cli"), { userId: user.id, role });
      membership = { org: org.slug, role, created: membershipCreated };
      lines.push(`${user.email} is ${role} in ${org.slug}${membershipCreated ? "" : " (role updated)"}`);
    }
    return {
      lines,
      json: { id: user.id, email: user.email, created, isPlatformAdmin: platformAdmin || user.isPlatformAdmin, membership },
    };
  },
};
