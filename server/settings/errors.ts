// Domain errors of the settings, members and admin services, named after what they mean to the
// caller; the tRPC error middleware and the route handlers map them onto their own codes.
import { DomainError } from "../errors";

export type SettingsErrorCode = "NOT_FOUND" | "CONFLICT" | "BAD_REQUEST" | "FORBIDDEN";

export class SettingsError extends DomainError {
  constructor(code: SettingsErrorCode, message: string) {
    super(code, message);
    this.name = "SettingsError";
  }
}
