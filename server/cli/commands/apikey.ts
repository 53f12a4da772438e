import { z } from "zod";
import { createApiKey } from "../../apikeys/service";
import { systemContext } from "../../context";
import { orgSlugSchema, requireOrgBySlug } from "../../orgs/service";
import { parseCommandArgs, validateArgs } from "../args";
import type { Command } from "./types";

const usage = "runwatch apikey create --org SLUG [--name N] [--json]";

const argsSchema = z.object({
  positionals: z.tuple([], { error: "unexpected argument" }),
  values: z
    .object({
      org: z.string({ error: "--org is required" }).pipe(orgSlugSchema),
      name: z.string().trim().min(1, "--name must not be empty").max(200).optional(),
    })
    .loose(),
});

export const apiKeyCreateCommand: Command = {
  path: ["apikey", "create"],
  usage,
  summary: "create an API key for an organization and print it (only its hash is stored)",
  async run(argv) {
    const { values } = validateArgs(argsSchema, parseCommandArgs(argv, { org: { type: "string" }, name: { type: "string" } }, usage), usage);
    const org = await requireOrgBySlug(values.org);
    const created = await createApiKey(systemContext(org.id, "cli"), { name: values.name ?? "CLI key" });
    return {
      lines: [`API key "${created.name}" for ${org.slug} (shown once; store it now):`, created.key],
      json: { key: created.key, id: created.id, prefix: created.prefix, name: created.name, org: org.slug },
    };
  },
};
