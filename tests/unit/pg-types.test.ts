import fc from "fast-check";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { parseTimestamptz, PG_TYPES, readUtcTimestamptz } from "../../server/db/types";

const pgParse = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, "text") as (t: string) => unknown;
const same = (text: string) => expect(parseTimestamptz(text)).toEqual(pgParse(text));

/** What PostgreSQL prints for a timestamptz in a UTC session: microseconds, trailing zeros trimmed. */
function printed(ms: number, micros: number, zone = "+00"): string {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const frac = `${iso.slice(20, 23)}${String(micros).padStart(3, "0")}`.replace(/0+$/, "");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? `.${frac}` : ""}${zone}`;
}

describe("parseTimestamptz", () => {
  it("equals pg's parser on every UTC timestamp PostgreSQL prints", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), fc.integer({ min: 0, max: 999 }), (ms, micros) => {
        const text = printed(ms, micros);
        same(text);
        expect(readUtcTimestamptz(text)).not.toBeNull(); // read by the fast path, not pg's
        expect((parseTimestamptz(text) as Date).getTime()).toBe(ms);
      }),
      { numRuns: 5_000 },
    );
  });

  it("equals pg's parser on every fraction length", () => {
    for (const frac of ["", ".1", ".12", ".123", ".1234", ".12345", ".123456", ".999999", ".000001", ".05"]) {
      expect(readUtcTimestamptz(`2026-12-01 21:31:38${frac}+00`)).not.toBeNull();
      same(`2026-12-01 21:31:38${frac}+00`);
    }
  });

  it("equals pg's parser on every fraction of up to four digits", () => {
    for (let places = 1; places <= 4; places++)
      for (let f = 0; f < 10 ** places; f++) {
        const text = `2026-12-01 21:31:38.${String(f).padStart(places, "0")}+00`;
        expect((readUtcTimestamptz(text) as Date).getTime()).toBe((pgParse(text) as Date).getTime());
      }
  });

  it("leaves every other shape to pg's parser, with the same result", () => {
    for (const text of [
      "2026-12-01 21:31:38.5+05:30",
      "2026-12-01 21:31:38-08",
      "2026-12-01 21:31:38+00:00:12",
      "0099-01-01 00:00:00+00",
      "0500-06-01 12:00:00+00",
      "0001-01-01 00:00:00+00 BC",
      "12026-01-01 00:00:00+00",
      "infinity",
      "-infinity",
      "2026-12-01 21:31:38.+00",
      "2026-12-01T21:31:38+00",
    ]) {
      expect(readUtcTimestamptz(text)).toBeNull();
      same(text);
    }
  });

  it("is what the pools' type table gives for timestamptz, and pg's parsers for the rest", () => {
    expect(PG_TYPES.getTypeParser(pg.types.builtins.TIMESTAMPTZ, "text")).toBe(parseTimestamptz);
    expect(PG_TYPES.getTypeParser(pg.types.builtins.INT8, "text")).toBe(pg.types.getTypeParser(pg.types.builtins.INT8, "text"));
    expect(PG_TYPES.getTypeParser(pg.types.builtins.TIMESTAMP, "text")).toBe(pg.types.getTypeParser(pg.types.builtins.TIMESTAMP, "text"));
  });
});
