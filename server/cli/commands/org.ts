import { z } from "zod";
import { createOrg, orgNameSchema, orgSlugSchema } from "../../orgs/service";
import { parseCommandArgs, validateArgs } from "../args";
import type { Command } from "./types";

const usage = "runwatch org create <slug> [--name N] [--json]";

const argsSchema = z.object({
  positionals: z.tuple([orgSlugSchema], { error: "expected exactly one slug" }),
  values: z.object({ name: orgNameSchema.optional() }).loose(),
});

export const orgCreateCommand: Command = {
  path: ["org", "create"],
  usage,
  summary: "create an organization",
  async run(argv) {
    const args = validateArgs(argsSchema, parseCommandArgs(argv, { name: { type: "string" } }, usage), usage);
    const org = await createOrg({ slug: args.positionals[0], name: args.values.name });
    return {
      lines: [`Created organization ${org.slug} ("${org.name}")`],
      json: { id: org.id, slug: org.slug, name: org.name },
    };
  },
};
