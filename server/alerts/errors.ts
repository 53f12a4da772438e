// Domain errors of alerting services, named after what they mean to the caller; the tRPC error
// middleware maps them onto NOT_FOUND / CONFLICT / BAD_REQUEST.
import { DomainError } from "../errors";

export type AlertingErrorCode = "NOT_FOUND" | "CONFLICT" | "BAD_REQUEST";

export class AlertingError extends DomainError {
  constructor(code: AlertingErrorCode, message: string) {
    super(code, message);
    this.name = "AlertingError";
  }
}

export const notFound = (what: string) => new AlertingError("NOT_FOUND", `${what} not found`);
export const conflict = (message: string) => new AlertingError("CONFLICT", message);
export const badRequest = (message: string) => new AlertingError("BAD_REQUEST", message);
