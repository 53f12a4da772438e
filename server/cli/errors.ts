// Failures the CLI reports as one line on stderr. Anything else is unexpected and is reported
// the same way (message only, no stack), so scripts always get a single readable reason.
import { ZodError } from "zod";

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Wrong arguments: exit code 2, as for most Unix tools. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = "UsageError";
  }
}

/** One line, whatever was thrown: zod issues are joined, newlines flattened. */
export function oneLineReason(err: unknown): string {
  if (err instanceof ZodError) {
    return err.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
  }
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\n\s*/g, " ").trim() || "unknown error";
}
