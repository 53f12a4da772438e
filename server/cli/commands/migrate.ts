import { applyMigrations } from "../../db/migrate";
import { parseCommandArgs } from "../args";
import type { Command } from "./types";

const usage = "runwatch migrate [--json]";

export const migrateCommand: Command = {
  path: ["migrate"],
  usage,
  summary: "apply pending database migrations",
  async run(argv, { databaseUrl }) {
    parseCommandArgs(argv, {}, usage);
    const applied = await applyMigrations(databaseUrl);
    const lines = applied.length ? applied.map((name) => `Applied migration ${name}`) : ["Database is up to date; no migration to apply."];
    return { lines, json: { ok: true, applied } };
  },
};
