import type { CommandResult } from "../output";

export type Command = {
  /** words that select it, e.g. ["org", "create"] */
  path: string[];
  usage: string;
  summary: string;
  /** false for commands that do not touch the database */
  needsDatabase?: boolean;
  run(argv: string[], ctx: { databaseUrl: string }): Promise<CommandResult>;
};
