// Domain errors of the settings, members and admin services, named after what they mean to the
// caller; the tRPC error middleware and the route handlers map them onto their own codes.
export type SettingsErrorCode = "NOT_FOUND" | "CONFLICT" | "BAD_REQUEST" | "FORBIDDEN";

export class SettingsError extends Error {
  constructor(
    readonly code: SettingsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "SettingsError";
  }
}
