// The boundary guard, shared by REST (server/http/api.ts), the proxy and tRPC (server/trpc.ts):
// text PostgreSQL cannot store, found before it reaches a query, so the caller gets a 400
// naming the field instead of a 500 from the database. Pure functions, no I/O.
import { InvalidTextError } from "./errors";

// NUL, and UTF-16 surrogates without their partner (JSON's "\ud800" escape makes them)
const BAD_CHAR = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why this string cannot be stored, or null when it can. */
export function badTextProblem(value: string): string | null {
  const m = BAD_CHAR.exec(value);
  if (!m) return null;
  return m[0] === "\u0000" ? "contains a NUL character" : "contains a lone UTF-16 surrogate (invalid UTF-8)";
}

const MAX_DEPTH = 64;

/**
 * The first string (key or value) in a parsed JSON value that cannot be stored, with its field
 * path ("events[2].metadata.k"), or null. Deeper than MAX_DEPTH is refused as well: nothing we
 * accept nests that far, and a deep body must not exhaust the stack further in.
 */
export function findBadText(value: unknown, path = "body", depth = 0): InvalidTextError | null {
  if (typeof value === "string") {
    const problem = badTextProblem(value);
    return problem ? new InvalidTextError(path, problem) : null;
  }
  if (typeof value !== "object" || value === null) return null;
  if (depth >= MAX_DEPTH) return new InvalidTextError(path, `nests deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findBadText(value[i], `${path}[${i}]`, depth + 1);
      if (bad) return bad;
    }
    return null;
  }
  if (value instanceof Date) return null;
  for (const [k, v] of Object.entries(value)) {
    const keyProblem = badTextProblem(k);
    if (keyProblem) return new InvalidTextError(`${path} key`, keyProblem);
    const bad = findBadText(v, `${path}.${k}`, depth + 1);
    if (bad) return bad;
  }
  return null;
}

function decodeComponent(raw: string, field: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // a % not followed by two hex digits, or escapes that are not UTF-8 (%FF%FE)
    throw new InvalidTextError(field, "has a broken % escape or escapes that are not UTF-8");
  }
  const problem = badTextProblem(decoded);
  if (problem) throw new InvalidTextError(field, problem);
  return decoded;
}

/**
 * Throws InvalidTextError when the URL's path or any query parameter has a broken % escape or
 * decodes to text that cannot be stored. The field is "path" or "query parameter <name>".
 */
export function assertCleanUrl(url: string | URL): void {
  const u = typeof url === "string" ? new URL(url) : url;
  for (const segment of u.pathname.split("/")) decodeComponent(segment, "path");
  const search = u.search.startsWith("?") ? u.search.slice(1) : u.search;
  for (const pair of search.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const name = decodeComponent(rawName.replace(/\+/g, " "), "query parameter name");
    if (eq >= 0) decodeComponent(pair.slice(eq + 1).replace(/\+/g, " "), `query parameter ${name}`);
  }
}
