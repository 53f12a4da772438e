// How pg turns column text into JavaScript values on Runwatch's own pools. One change from pg's
// defaults: timestamptz in the one shape a UTC session prints ("2026-12-01 21:31:38.123+00") is
// read by position instead of by postgres-date's regular expressions. A list row has six
// timestamp columns, and those regular expressions were 13% of the API's CPU on the first
// page (docs/ingestion-performance.md). Anything else (another zone, BC, years past 9999 or
// before 1000, infinity) goes to pg's own parser, and tests/unit/pg-types.test.ts holds the two
// to the same Date for every shape. Prisma's pg adapter brings its own parsers per query and is
// not affected.
import pg from "pg";

const TIMESTAMPTZ = pg.types.builtins.TIMESTAMPTZ;
const pgParseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ, "text") as (text: string) => Date | number | null;

/** The number of the `len` digits at `at`, or -1 when one is not a digit. */
function digits(text: string, at: number, len: number): number {
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** "YYYY-MM-DD HH:MM:SS[.f…]+00" → Date, else pg's postgres-date. */
export const parseTimestamptz = (text: string): Date | number | null => readUtcTimestamptz(text) ?? pgParseTimestamptz(text);

/**
 * The fast path alone: the Date of a UTC timestamptz of years 1000-9999, or null for any other
 * text. Read by position, without allocating: 0.43 µs a timestamp against postgres-date's 1.7.
 */
export function readUtcTimestamptz(text: string): Date | null {
  const n = text.length;
  // 19 for the date and time, up to 7 for the fraction, 3 for "+00"
  if (n < 22 || n > 29 || text.charCodeAt(n - 3) !== 43 || text.charCodeAt(n - 2) !== 48 || text.charCodeAt(n - 1) !== 48) return null;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  // Date.UTC reads years 0-99 as 1900-1999; pg's parser corrects that, so leave them to it
  if (year < 1000 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return null;
  let ms = 0;
  if (n > 22) {
    if (n === 23 || text.charCodeAt(19) !== 46) return null;
    const fraction = digits(text, 20, n - 23);
    if (fraction < 0) return null;
    // below a millisecond, Date drops the digits, as it drops postgres-date's fraction of one
    const places = n - 23;
    ms = places <= 3 ? fraction * 10 ** (3 - places) : Math.floor(fraction / 10 ** (places - 3));
  }
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
}

/** The `types` of every pool Runwatch opens (server/db/client.ts). */
export const PG_TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === TIMESTAMPTZ && format !== "binary" ? parseTimestamptz : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
};
