// Argument parsing with node's util.parseArgs, plus zod validation of the values, so every
// command states its options once and gets one-line messages for bad input.
import { parseArgs } from "node:util";
import { z } from "zod";
import { UsageError, oneLineReason } from "./errors";

export type OptionSpec = Record<string, { type: "string" | "boolean" }>;

export type Parsed = { positionals: string[]; values: Record<string, string | boolean | undefined> };

/** Every command accepts --json. */
export function parseCommandArgs(argv: string[], options: OptionSpec, usage: string): Parsed {
  try {
    const { positionals, values } = parseArgs({ args: argv, options: { ...options, json: { type: "boolean" } }, allowPositionals: true, strict: true });
    return { positionals, values: values as Parsed["values"] };
  } catch (err) {
    throw new UsageError(`${oneLineReason(err)}; usage: ${usage}`);
  }
}

/** Validates the parsed arguments with a zod schema; a failure is a UsageError naming the fields. */
export function validateArgs<S extends z.ZodType>(schema: S, input: Parsed, usage: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new UsageError(`${describeArgIssues(parsed.error)}; usage: ${usage}`);
  return parsed.data;
}

/** Names an option as the user typed it (--org), and leaves positional messages as they are. */
function describeArgIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const [where, name] = issue.path;
      const label = where === "values" && typeof name === "string" ? `--${name}` : null;
      return label && !issue.message.startsWith(label) ? `${label}: ${issue.message}` : issue.message;
    })
    .join("; ");
}
