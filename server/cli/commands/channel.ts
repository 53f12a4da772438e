// Alert channels from the command line. Only webhooks for now (CONTRACT.md §4); the signing
// secret follows Standard Webhooks: "whsec_" + base64 of random bytes.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { prisma } from "../../db/client";
import { orgSlugSchema, requireOrgBySlug } from "../../orgs/service";
import { parseCommandArgs, validateArgs } from "../args";
import type { Command } from "./types";

const usage = "runwatch channel create --org SLUG --type webhook --url URL [--name N] [--json]";

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

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
    })
    .loose(),
});

export const channelCreateCommand: Command = {
  path: ["channel", "create"],
  usage,
  summary: "create a webhook alert channel and print its signing secret",
  async run(argv) {
    const parsed = parseCommandArgs(argv, { org: { type: "string" }, type: { type: "string" }, url: { type: "string" }, name: { type: "string" } }, usage);
    const { values } = validateArgs(argsSchema, parsed, usage);
    const org = await requireOrgBySlug(values.org);
    const secret = newWebhookSecret();
    const channel = await prisma().alertChannel.create({
      data: { orgId: org.id, type: "WEBHOOK", name: values.name ?? new URL(values.url).host, config: { url: values.url }, secret },
      select: { id: true, name: true },
    });
    return {
      lines: [`Created webhook channel "${channel.name}" for ${org.slug} → ${values.url}`, `Signing secret (shown once; store it now):`, secret],
      json: { id: channel.id, secret, type: "webhook", url: values.url, org: org.slug },
    };
  },
};
