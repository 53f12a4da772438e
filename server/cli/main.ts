// `runwatch <command>`: the operator's command line (CONTRACT.md §4). bin/runwatch.js runs this
// file through tsx. Output: lines for people, and with --json one JSON object as the last line
// of stdout; a failure is one line on stderr and a non-zero exit code.
import { readFileSync } from "node:fs";
import { config, parseConfig } from "../config";
import { closeDb } from "../db/client";
import { projectRoot } from "../db/migrate";
import { apiKeyCreateCommand } from "./commands/apikey";
import { channelCreateCommand } from "./commands/channel";
import { migrateCommand } from "./commands/migrate";
import { orgCreateCommand } from "./commands/org";
import { repairCommand } from "./commands/repair";
import { retentionCommand } from "./commands/retention";
import { seedDemoCommand } from "./commands/seed-demo";
import type { Command } from "./commands/types";
import { userCreateCommand } from "./commands/user";
import { verifyCommand } from "./commands/verify";
import { workflowScheduleCommand } from "./commands/workflow";
import { openCliDatabase } from "./database";
import { CliError, UsageError, oneLineReason } from "./errors";
import { printResult } from "./output";

const COMMANDS: Command[] = [migrateCommand, orgCreateCommand, userCreateCommand, apiKeyCreateCommand, channelCreateCommand, workflowScheduleCommand, seedDemoCommand, verifyCommand, repairCommand, retentionCommand];

const DATABASE_NOTE = "DATABASE_URL selects the database; without it the project's embedded database (.runwatch/pgdata) is used.";

function helpText(): string {
  return [
    "Usage: runwatch <command> [options]",
    "",
    ...COMMANDS.flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
    "",
    "Every command takes --json (its result as one JSON object on the last line) and --help.",
    "runwatch --version prints the version.",
    DATABASE_NOTE,
  ].join("\n");
}

function commandHelp(command: Command): string {
  return [`Usage: ${command.usage}`, "", `  ${command.summary}`, "", "  --json   print the result as one JSON object on the last line", "  --help   show this help", "", DATABASE_NOTE].join("\n");
}

export function version(): string {
  return (JSON.parse(readFileSync(`${projectRoot}/package.json`, "utf8")) as { version: string }).version;
}

const isHelp = (arg: string) => arg === "--help" || arg === "-h";

/** The command whose words start argv, and the arguments after them. */
export function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  for (const command of COMMANDS) {
    if (command.path.every((word, i) => argv[i] === word)) return { command, rest: argv.slice(command.path.length) };
  }
  return null;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "help" || isHelp(argv[0]!)) {
    process.stdout.write(`${helpText()}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === "--version" || argv[0] === "-V" || argv[0] === "version") {
    const json = argv.includes("--json");
    process.stdout.write(json ? `${JSON.stringify({ version: version() })}\n` : `runwatch ${version()}\n`);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) throw new UsageError(`unknown command "${argv.filter((a) => !a.startsWith("-")).slice(0, 2).join(" ")}"; run \`runwatch --help\` for the list`);
  if (found.rest.some(isHelp)) {
    process.stdout.write(`${commandHelp(found.command)}\n`);
    return 0;
  }
  // the one configuration schema, validated before anything runs (a bad value: exit 1 naming it)
  parseConfig(process.env);

  const database = await openCliDatabase();
  try {
    const result = await found.command.run(found.rest, { databaseUrl: database.url });
    printResult(result, found.rest.includes("--json"));
    if (result.failure) {
      process.stderr.write(`runwatch: ${result.failure}\n`);
      return 1;
    }
    return 0;
  } finally {
    await closeDb();
    await database.close();
  }
}

function debugEnabled(): boolean {
  try {
    return config().RUNWATCH_DEBUG === "1";
  } catch {
    return false;
  }
}

let exitCode: number;
try {
  exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`runwatch: ${oneLineReason(err)}\n`);
  // a bad configuration is itself a failure here: then there is no stack worth printing
  if (debugEnabled()) console.error(err);
  exitCode = err instanceof CliError ? err.exitCode : 1;
}
// Exit now rather than when the event loop drains: the migrator's connection pool would keep
// the process alive for its 10 s idle timeout. stdout and stderr are synchronous for files and
// pipes, so nothing printed is lost.
process.exit(exitCode);
