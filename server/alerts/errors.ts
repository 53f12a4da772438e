// Domain errors of alerting services, named after what they mean to the caller; the tRPC error
// middleware maps them onto NOT_FOUND / CONFLICT / BAD_REQUEST.
export type AlertingErrorCode = "NOT_FOUND" | "CONFLICT" | "BAD_REQUEST";

export class AlertingError extends Error {
  constructor(
    readonly code: AlertingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AlertingError";
  }
}

export const notFound = (what: string) => new AlertingError("NOT_FOUND", `${what} not found`);
export const conflict = (message: string) => new AlertingError("CONFLICT", message);
export const badRequest = (message: string) => new AlertingError("BAD_REQUEST", message);
