// The one error hierarchy. Services throw DomainErrors named after what they mean to the caller
// (they never import tRPC or Next); server/http/errors.ts turns any error into the REST answer,
// the tRPC middleware and formatter in server/trpc.ts into the tRPC one, and the CLI into a line
// on stderr. Feature-local classes (OrgError, SettingsError, …) are subclasses of this one.

/** What kind of failure it is, which decides the HTTP status and the tRPC code. */
export type ErrorKind =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "CONFLICT"
  | "PAYLOAD_TOO_LARGE"
  | "TOO_MANY_REQUESTS"
  | "SERVICE_UNAVAILABLE";

export const HTTP_STATUS_OF_KIND: Record<ErrorKind, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  SERVICE_UNAVAILABLE: 503,
};

/**
 * The stable machine codes of the `code` field of every /api/v1 error, with the kind each one
 * belongs to. The README lists them (tests/unit/error-codes.test.ts holds the list equal).
 */
export const API_ERROR_CODES = {
  INVALID_JSON: "BAD_REQUEST",
  INVALID_BODY: "BAD_REQUEST",
  INVALID_EVENT: "BAD_REQUEST",
  INVALID_QUERY: "BAD_REQUEST",
  INVALID_CURSOR: "BAD_REQUEST",
  INVALID_TEXT: "BAD_REQUEST",
  INVALID_PATH: "BAD_REQUEST",
  BAD_REQUEST: "BAD_REQUEST",
  API_KEY_MISSING: "UNAUTHORIZED",
  API_KEY_INVALID: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  EXECUTION_NOT_FOUND: "NOT_FOUND",
  WORKFLOW_NOT_FOUND: "NOT_FOUND",
  ROUTE_NOT_FOUND: "NOT_FOUND",
  NOT_FOUND: "NOT_FOUND",
  METHOD_NOT_ALLOWED: "METHOD_NOT_ALLOWED",
  STATUS_CONFLICT: "CONFLICT",
  CONFLICT: "CONFLICT",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  DATABASE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  INTERNAL_ERROR: null,
} as const satisfies Record<string, ErrorKind | null>;

export type ApiErrorCode = keyof typeof API_ERROR_CODES;

export type DomainErrorOptions = {
  /** the machine code of the REST answer; defaults to the kind */
  apiCode?: ApiErrorCode;
  /** safe to show the caller, e.g. `{ currentStatus }` of a refused status change */
  details?: Record<string, unknown>;
  /** HTTP headers the answer needs, e.g. Retry-After, Allow */
  headers?: Record<string, string>;
  cause?: unknown;
};

export class DomainError extends Error {
  readonly apiCode: ApiErrorCode;
  readonly details?: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    /** the kind; kept under the name `code` that callers and the CLI have always read */
    readonly code: ErrorKind,
    message: string,
    opts: DomainErrorOptions = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "DomainError";
    this.apiCode = opts.apiCode ?? (code in API_ERROR_CODES ? (code as ApiErrorCode) : "BAD_REQUEST");
    this.details = opts.details;
    this.headers = opts.headers ?? {};
  }

  get status(): number {
    return HTTP_STATUS_OF_KIND[this.code];
  }
}

export class BadRequestError extends DomainError {
  constructor(message: string, opts?: DomainErrorOptions) {
    super("BAD_REQUEST", message, opts);
    this.name = "BadRequestError";
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string, opts?: DomainErrorOptions) {
    super("FORBIDDEN", message, opts);
    this.name = "ForbiddenError";
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string, opts?: DomainErrorOptions) {
    super("NOT_FOUND", message, opts);
    this.name = "NotFoundError";
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, opts?: DomainErrorOptions) {
    super("CONFLICT", message, opts);
    this.name = "ConflictError";
  }
}

/** Text PostgreSQL cannot store (NUL, a lone surrogate, invalid UTF-8, a broken % escape). */
export class InvalidTextError extends BadRequestError {
  constructor(readonly field: string, problem: string) {
    super(`${field} ${problem}; send text without NUL characters, lone surrogates or broken % escapes`, {
      apiCode: field === "path" ? "INVALID_PATH" : "INVALID_TEXT",
      details: { field },
    });
    this.name = "InvalidTextError";
  }
}

export const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;

/** The database cannot be reached: nobody's bug, retry later. */
export class ServiceUnavailableError extends DomainError {
  constructor(cause?: unknown) {
    super("SERVICE_UNAVAILABLE", `service unavailable: the database cannot be reached; retry in ${RETRY_AFTER_UNAVAILABLE_SECONDS} s`, {
      apiCode: "DATABASE_UNAVAILABLE",
      headers: { "retry-after": String(RETRY_AFTER_UNAVAILABLE_SECONDS) },
      cause,
    });
    this.name = "ServiceUnavailableError";
  }
}

/** The domain error inside err, if any (tRPC and Prisma wrap what services throw). */
export function findDomainError(err: unknown): DomainError | null {
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DomainError) return e;
  }
  return null;
}

// Node's socket errors, PostgreSQL's connection and shutdown SQLSTATEs (class 08, 57P01-57P03,
// too many connections), and Prisma's "cannot reach / connection closed / pool timeout".
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "P1001",
  "P1002",
  "P1017",
  "P2024",
]);
const UNAVAILABLE_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections", "DatabaseDoesNotExist"]);
const UNAVAILABLE_MESSAGE =
  /connection terminated|terminating connection|timeout exceeded when trying to connect|connection timeout|can't reach database server|server closed the connection|Connection refused|ECONNREFUSED|ECONNRESET|the database system is (starting up|shutting down|in recovery mode)/i;

/** Whether err (or anything it wraps) says the database cannot be reached right now. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== "object" || depth > 6) return false;
  if (err instanceof ServiceUnavailableError) return true;
  if (err instanceof DomainError) return false;
  const e = err as { code?: unknown; kind?: unknown; message?: unknown; cause?: unknown; errors?: unknown; originalCode?: unknown };
  if (typeof e.code === "string" && (UNAVAILABLE_CODES.has(e.code) || /^08/.test(e.code))) return true;
  if (typeof e.originalCode === "string" && (UNAVAILABLE_CODES.has(e.originalCode) || /^08/.test(e.originalCode))) return true;
  if (typeof e.kind === "string" && UNAVAILABLE_KINDS.has(e.kind)) return true;
  if (typeof e.message === "string" && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

/**
 * Whether err is a write refused because its organization no longer exists (SQLSTATE 23503 on a
 * foreign key to organizations). A process may still hold a deleted organization's API key in
 * its cache for the few milliseconds until it hears of the deletion: its key is revoked by then.
 */
export function isOrganizationGone(err: unknown): boolean {
  const e = err as { code?: unknown; detail?: unknown } | null;
  return !!e && e.code === "23503" && typeof e.detail === "string" && e.detail.includes('is not present in table "organizations"');
}

/** The answer to a write for an organization deleted meanwhile: its keys are revoked (§3: 401). */
export class OrganizationGoneError extends DomainError {
  constructor(cause?: unknown) {
    super("UNAUTHORIZED", "unknown or revoked API key: its organization no longer exists", {
      apiCode: "API_KEY_INVALID",
      headers: { "www-authenticate": "Bearer" },
      cause,
    });
    this.name = "OrganizationGoneError";
  }
}

/** What any thrown value means to a caller: its domain error, a 503 for an outage, or null (a bug). */
export function classifyError(err: unknown): DomainError | null {
  const domain = findDomainError(err);
  if (domain) return domain;
  if (isDatabaseUnavailable(err)) return new ServiceUnavailableError(err);
  if (isOrganizationGone(err)) return new OrganizationGoneError(err);
  return null;
}
