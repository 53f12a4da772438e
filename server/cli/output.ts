// What a command prints: lines for people, and with --json one JSON object as the last line of
// stdout, so scripts can read `tail -n 1`.
export type CommandResult = {
  lines: string[];
  json: Record<string, unknown>;
  /** set when the command ran but its answer is a failure (verify found differences): exit 1 with this reason */
  failure?: string;
};

export function printResult(result: CommandResult, asJson: boolean): void {
  for (const line of result.lines) process.stdout.write(`${line}\n`);
  if (asJson) process.stdout.write(`${JSON.stringify(result.json)}\n`);
}
