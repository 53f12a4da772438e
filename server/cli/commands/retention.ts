import { z } from "zod";
import { applyRetention } from "../../db/partitions";
import { parseCommandArgs, validateArgs } from "../args";
import type { Command } from "./types";

const usage = "runwatch retention --keep-days N [--json]";

const argsSchema = z.object({
  positionals: z.tuple([], { error: "unexpected argument" }),
  values: z
    .object({
      "keep-days": z.coerce
        .number({ error: "--keep-days must be a number of days" })
        .int("--keep-days must be a whole number of days")
        .min(1, "--keep-days must be at least 1"),
    })
    .loose(),
});

export const retentionCommand: Command = {
  path: ["retention"],
  usage,
  summary: "drop the execution timeline's monthly partitions older than N days, and forget their eventIds",
  async run(argv, ctx) {
    const { values } = validateArgs(argsSchema, parseCommandArgs(argv, { "keep-days": { type: "string" } }, usage), usage);
    const result = await applyRetention(ctx.databaseUrl, values["keep-days"]);
    const lines = [
      result.droppedPartitions.length
        ? `Dropped ${result.droppedPartitions.length} partition(s) that ended before ${result.cutoff}: ${result.droppedPartitions.join(", ")}`
        : `No partition ends before ${result.cutoff}; nothing dropped (only whole months are dropped).`,
      `Forgot ${result.forgottenEventIds} eventId(s) received before the cutoff.`,
    ];
    return { lines, json: { ...result } };
  },
};
