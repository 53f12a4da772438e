import { z } from "zod";
import { describeDifference, verifyWorkflowCounters } from "../../executions/verify";
import { orgSlugSchema, requireOrgBySlug } from "../../orgs/service";
import { parseCommandArgs, validateArgs } from "../args";
import type { Command } from "./types";

const usage = "runwatch verify [--org SLUG] [--json]";

const argsSchema = z.object({
  positionals: z.tuple([], { error: "unexpected argument" }),
  values: z.object({ org: orgSlugSchema.optional() }).loose(),
});

export const verifyCommand: Command = {
  path: ["verify"],
  usage,
  summary: "recount every workflow's counters from its executions; exit 1 naming any difference",
  async run(argv) {
    const { values } = validateArgs(argsSchema, parseCommandArgs(argv, { org: { type: "string" } }, usage), usage);
    const org = values.org ? await requireOrgBySlug(values.org) : null;
    const report = await verifyWorkflowCounters(org?.id ?? null);
    const scope = org ? `in ${org.slug}` : "in all organizations";
    const lines = report.ok
      ? [`OK: the counters of ${report.workflows} workflow(s) ${scope} match their executions.`]
      : [`${report.differences.length} difference(s) in ${report.workflows} workflow(s) ${scope}:`, ...report.differences.map((d) => `  ${describeDifference(d)}`)];
    const failure = report.ok ? undefined : `counters differ from a recount: ${report.differences.map(describeDifference).join("; ")}`;
    return { lines, json: { ...report }, failure };
  },
};
