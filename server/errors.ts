// Domain errors, named after what they mean to the caller. Services throw these (they never import
// tRPC or Next); the tRPC error middleware in server/trpc.ts, the REST routes and the CLI each map
// them onto their own transport.
export type DomainErrorCode = "BAD_REQUEST" | "FORBIDDEN" | "NOT_FOUND" | "CONFLICT";

export const DOMAIN_ERROR_CODES: readonly DomainErrorCode[] = ["BAD_REQUEST", "FORBIDDEN", "NOT_FOUND", "CONFLICT"];

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** safe to show the caller, e.g. `{ currentStatus }` of a refused status change */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export class BadRequestError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super("BAD_REQUEST", message, details);
    this.name = "BadRequestError";
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super("FORBIDDEN", message, details);
    this.name = "ForbiddenError";
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super("NOT_FOUND", message, details);
    this.name = "NotFoundError";
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super("CONFLICT", message, details);
    this.name = "ConflictError";
  }
}

/**
 * The code of a domain error, including the feature-local classes that predate this module
 * (OrgError, AlertingError: an Error with a `code` that is one of ours). Anything else (a pg
 * error's SQLSTATE, a Prisma "P2002") is not a domain error and stays a 500.
 */
export function domainErrorCode(err: unknown): DomainErrorCode | null {
  if (err instanceof DomainError) return err.code;
  if (err instanceof Error && err.name !== "TRPCError") {
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && (DOMAIN_ERROR_CODES as readonly string[]).includes(code)) return code as DomainErrorCode;
  }
  return null;
}

export function domainErrorDetails(err: unknown): Record<string, unknown> | null {
  const details = (err as { details?: unknown } | null)?.details;
  return details && typeof details === "object" ? (details as Record<string, unknown>) : null;
}
