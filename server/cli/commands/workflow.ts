// `runwatch workflow schedule <key>`: set, replace or clear a workflow's schedule (CONTRACT.md §2)
// through the same service and schema as PATCH /api/v1/workflows/{key}, audited as the system
// user "cli". A workflow that does not exist yet is created, so a schedule can come first.
import { z } from "zod";
import { systemContext } from "../../context";
import { orgSlugSchema, requireOrgBySlug } from "../../orgs/service";
import { describeSchedule, scheduleSchema, type Schedule } from "../../workflows/schedule";
import { updateWorkflow } from "../../workflows/service";
import { parseCommandArgs, validateArgs } from "../args";
import { UsageError } from "../errors";
import type { Command } from "./types";

const usage =
  "runwatch workflow schedule <key> --org SLUG (--cron EXPR [--tz ZONE] [--grace SECONDS] | --every SECONDS | --clear) [--json]";

const wholeSeconds = (flag: string) => z.string().regex(/^\d+$/, `${flag} must be a whole number of seconds`).transform(Number).optional();

const argsSchema = z.object({
  positionals: z.tuple([z.string({ error: "name the workflow key" }).min(1).max(200)], { error: "name exactly one workflow key" }),
  values: z
    .object({
      org: z.string({ error: "--org is required" }).pipe(orgSlugSchema),
      cron: z.string().optional(),
      tz: z.string().optional(),
      grace: wholeSeconds("--grace"),
      every: wholeSeconds("--every"),
      clear: z.boolean().optional(),
    })
    .loose()
    .refine((v) => [v.cron !== undefined, v.every !== undefined, v.clear === true].filter(Boolean).length === 1, "give exactly one of --cron, --every or --clear")
    .refine((v) => v.cron !== undefined || (v.tz === undefined && v.grace === undefined), "--tz and --grace go with --cron"),
});

// the schedule's fields as the flags that set them
const FLAG: Record<string, string> = { cron: "--cron", timezone: "--tz", graceSeconds: "--grace", everySeconds: "--every" };

export const workflowScheduleCommand: Command = {
  path: ["workflow", "schedule"],
  usage,
  summary: "set a workflow's schedule (cron in a time zone with a grace, or every N seconds) or clear it; missed runs alert",
  async run(argv) {
    const parsed = parseCommandArgs(
      argv,
      { org: { type: "string" }, cron: { type: "string" }, tz: { type: "string" }, grace: { type: "string" }, every: { type: "string" }, clear: { type: "boolean" } },
      usage,
    );
    const { positionals, values } = validateArgs(argsSchema, parsed, usage);
    const [key] = positionals;
    const raw = values.clear ? null : values.every !== undefined ? { everySeconds: values.every } : { cron: values.cron, timezone: values.tz, graceSeconds: values.grace };
    const checked = scheduleSchema.safeParse(raw);
    if (!checked.success) {
      const reason = checked.error.issues.map((i) => `${FLAG[String(i.path[0])] ?? "schedule"}: ${i.message}`).join("; ");
      throw new UsageError(`${reason}; usage: ${usage}`);
    }
    const schedule: Schedule | null = checked.data;
    const org = await requireOrgBySlug(values.org);
    // created when new, in the same transaction and audit entry as the schedule
    const changed = await updateWorkflow(systemContext(org.id, "cli"), { key, patch: { schedule }, createIfNew: true });
    if (!changed) throw new Error(`workflow "${key}" disappeared while its schedule was set`);
    const created = changed.before === null;
    return {
      lines: [`${created ? "Created workflow" : "Workflow"} ${key} in ${org.slug}: ${schedule ? `schedule ${describeSchedule(schedule)}` : "schedule cleared"}`],
      json: { org: org.slug, workflow: key, created, schedule },
    };
  },
};
