import { z } from "zod";
import { describeDifference, describeHourlyDifference, describeRollupDifference, describeStageDifference, verifyAll } from "../../aggregates/verify";
import { orgSlugSchema, requireOrgBySlug } from "../../orgs/service";
import { parseCommandArgs, validateArgs } from "../args";
import type { Command } from "./types";

const usage = "runwatch verify [--org SLUG] [--json]";

const argsSchema = z.object({
  positionals: z.tuple([], { error: "unexpected argument" }),
  values: z.object({ org: orgSlugSchema.optional() }).loose(),
});

/** Differences shown on stdout before the summary; all of them are in --json. */
const SHOWN = 50;

export const verifyCommand: Command = {
  path: ["verify"],
  usage,
  summary: "recount every workflow's counters, the hourly aggregate and the rollups, check stage times against the timeline; exit 1 naming any difference",
  async run(argv) {
    const { values } = validateArgs(argsSchema, parseCommandArgs(argv, { org: { type: "string" } }, usage), usage);
    const org = values.org ? await requireOrgBySlug(values.org) : null;
    const report = await verifyAll(org?.id ?? null);
    const scope = org ? `in ${org.slug}` : "in all organizations";
    const described = [
      ...report.differences.map(describeDifference),
      ...report.hourlyDifferences.map(describeHourlyDifference),
      ...report.rollupDifferences.map(describeRollupDifference),
      ...report.stageTimeDifferences.map(describeStageDifference),
    ];
    const lines = report.ok
      ? [`OK: the counters of ${report.workflows} workflow(s), the hourly aggregate and the stage times of ${report.executions} execution(s) ${scope} match.`]
      : [
          `${described.length} difference(s) ${scope}: ${report.differences.length} counter(s), ${report.hourlyDifferences.length} hourly row(s), ${report.rollupDifferences.length} rollup row(s), ${report.stageTimeDifferences.length} stage time(s):`,
          ...described.slice(0, SHOWN).map((d) => `  ${d}`),
          ...(described.length > SHOWN ? [`  … and ${described.length - SHOWN} more (--json lists them all)`] : []),
          ...(report.hourlyDifferences.length || report.rollupDifferences.length || report.stageTimeDifferences.length
            ? ["`runwatch repair` recomputes stage times, durations and hourly rows from the timeline, and rebuilds the rollups."]
            : []),
        ];
    const failure = report.ok ? undefined : `${described.length} difference(s) from a recount: ${described.slice(0, 5).join("; ")}${described.length > 5 ? "; …" : ""}`;
    return { lines, json: { ...report }, failure };
  },
};
