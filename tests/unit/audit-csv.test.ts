// The audit export's CSV cells (RFC 4180 quoting and the formula-injection guard), its cursor,
// and the filter schema the page's URL and the export share.
import { describe, expect, it } from "vitest";
import { AUDIT_CSV_COLUMNS, auditCsvHeader, auditCsvRow, csvCell, csvRow } from "../../server/audit/csv";
import { auditFiltersSchema, decodeCursor, encodeCursor } from "../../server/audit/query";

describe("csvCell", () => {
  it.each([
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ["cr\rlf", '"cr\rlf"'],
    [" padded ", '" padded "'],
    ["", ""],
  ])("quotes %j as %j", (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it.each([
    ["=HYPERLINK(\"http://evil\")", "\"'=HYPERLINK(\"\"http://evil\"\")\""],
    ["+1+1", "'+1+1"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\t=1", "'\t=1"],
    ["\r=1", "\"'\r=1\""],
    ["a=1", "a=1"],
    ["user@example.com", "user@example.com"],
  ])("guards %j against formula injection", (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it("writes null as empty, dates in UTC ISO, booleans and JSON as text", () => {
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
    expect(csvCell(new Date("2026-01-02T03:04:05.678Z"))).toBe("2026-01-02T03:04:05.678Z");
    expect(csvCell(false)).toBe("false");
    expect(csvCell({ a: 1, b: "x,y" })).toBe('"{""a"":1,""b"":""x,y""}"');
    // a JSON value is guarded too: negative numbers would otherwise start with "-"
    expect(csvCell(-5)).toBe("'-5");
  });

  it("ends rows with CRLF and keeps the header and row in the same column order", () => {
    expect(csvRow(["a", "b,c"])).toBe('a,"b,c"\r\n');
    expect(auditCsvHeader()).toBe(`${AUDIT_CSV_COLUMNS.join(",")}\r\n`);
    const row = auditCsvRow({
      id: "7",
      at: new Date("2026-01-02T03:04:05.000Z"),
      actorType: "USER",
      actorLabel: "=cmd|' /C calc'!A0",
      actorUserId: "u1",
      actorApiKeyId: null,
      action: "api_key.revoke",
      resourceType: "api_key",
      resourceId: "k1",
      success: false,
      ip: "203.0.113.1",
      userAgent: "Mozilla/5.0 (X11, Linux)",
      before: null,
      after: null,
      details: { error: "FORBIDDEN" },
    });
    expect(row).toBe(`7,2026-01-02T03:04:05.000Z,USER,'=cmd|' /C calc'!A0,u1,,api_key.revoke,api_key,k1,false,203.0.113.1,"Mozilla/5.0 (X11, Linux)",,,"{""error"":""FORBIDDEN""}"\r\n`);
  });
});

describe("audit cursor and filters", () => {
  it("round-trips a cursor and refuses a forged one", () => {
    const at = new Date("2026-03-04T05:06:07.089Z");
    expect(decodeCursor(encodeCursor(at, "12345"))).toEqual({ at, id: "12345" });
    for (const bad of ["", "nonsense", Buffer.from("2026-01-01|1; DROP TABLE x").toString("base64url"), Buffer.from(`${at.toISOString()}|-1`).toString("base64url")]) {
      expect(() => decodeCursor(bad)).toThrow(/cursor/);
    }
  });

  it("accepts the URL's strings, drops empty ones, and refuses bad dates and reversed ranges", () => {
    expect(auditFiltersSchema.parse({ actor: " ana ", action: "", from: "2026-01-01T00:00:00Z" })).toEqual({ actor: "ana", action: undefined, from: new Date("2026-01-01T00:00:00Z") });
    expect(auditFiltersSchema.safeParse({ from: "yesterday" }).success).toBe(false);
    expect(auditFiltersSchema.safeParse({ from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }).success).toBe(false);
    expect(auditFiltersSchema.safeParse({ actor: "x".repeat(201) }).success).toBe(false);
  });
});
