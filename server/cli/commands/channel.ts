// Alert channels from the command line (CONTRACT.md §4): the same audited service as the UI,
// acting as the system user "cli"; the Standard Webhooks secret is printed once.
import { z } from "zod";
import { createChannel } from "../../channels/service";
import { systemContext } from "../../context";
import { orgSlugSchema, requireOrgBySlug } from "../../orgs/service";
import { parseCommandArgs, validateArgs } from "../args";
import type { Command } from "./types";

const usage = "runwatch channel create --org SLUG --type webhook --url URL [--name N] [--storm-grouping on|off] [--json]";

const httpUrlSchema = z
  .url({ protocol: /^https?$/, error: "--url must be an http:// or https:// URL" })
  .max(2000, "--url must be at most 2000 characters");

const argsSchema = z.object({
  positionals: z.tuple([], { error: "unexpected argument" }),
  values: z
    .object({
      org: z.string({ error: "--org is required" }).pipe(orgSlugSchema),
      type: z.enum(["webhook"], { error: "--type must be webhook" }),
      url: httpUrlSchema,
      name: z.string().trim().min(1).max(200).optional(),
      // left out: the type's default (off for webhooks)
      "storm-grouping": z.enum(["on", "off"], { error: "--storm-grouping must be on or off" }).optional(),
    })
    .loose(),
});

export const channelCreateCommand: Command = {
  path: ["channel", "create"],
  usage,
  summary: "create a webhook alert channel and print its signing secret",
  async run(argv) {
    const parsed = parseCommandArgs(argv, { org: { type: "string" }, type: { type: "string" }, url: { type: "string" }, name: { type: "string" }, "storm-grouping": { type: "string" } }, usage);
    const { values } = validateArgs(argsSchema, parsed, usage);
    const org = await requireOrgBySlug(values.org);
    const { channel, secret } = await createChannel(systemContext(org.id, "cli"), {
      type: "WEBHOOK",
      url: values.url,
      name: values.name,
      stormGrouping: values["storm-grouping"] === undefined ? undefined : values["storm-grouping"] === "on",
    });
    return {
      lines: [`Created webhook channel "${channel.name}" for ${org.slug} → ${values.url}`, `Signing secret (shown once; store it now):`, secret],
      json: { id: channel.id, secret, type: "webhook", url: values.url, org: org.slug, stormGrouping: channel.stormGrouping },
    };
  },
};
