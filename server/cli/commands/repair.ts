import { z } from "zod";
import { repairExecutions } from "../../aggregates/repair";
import { orgSlugSchema, requireOrgBySlug } from "../../orgs/service";
import { parseCommandArgs, validateArgs } from "../args";
import type { Command } from "./types";

const usage = "runwatch repair [--org SLUG] [--json]";

const argsSchema = z.object({
  positionals: z.tuple([], { error: "unexpected argument" }),
  values: z.object({ org: orgSlugSchema.optional() }).loose(),
});

export const repairCommand: Command = {
  path: ["repair"],
  usage,
  summary: "recompute stage times, durations and the hourly aggregate from the stored timeline (rows written by older rules); rebuild the rollups and recount the workflow counters",
  async run(argv) {
    const { values } = validateArgs(argsSchema, parseCommandArgs(argv, { org: { type: "string" } }, usage), usage);
    const org = values.org ? await requireOrgBySlug(values.org) : null;
    const report = await repairExecutions(org?.id ?? null);
    const scope = org ? `in ${org.slug}` : "in all organizations";
    return {
      lines: [
        `Repaired ${report.executionsRepaired} of ${report.executions} execution(s) ${scope}; rebuilt ${report.hourlyRows} hourly row(s)` +
          (report.workflowsRepaired ? `; recounted the counters of ${report.workflowsRepaired} workflow(s).` : "."),
      ],
      json: { ...report },
    };
  },
};
