// Every machine code of server/errors.ts is in the README's Errors table with its status, and
// the table names no code the server does not have.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { API_ERROR_CODES, HTTP_STATUS_OF_KIND } from "../../server/errors";

const readme = readFileSync(path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../README.md"), "utf8");

describe("error codes", () => {
  it("the README lists exactly the codes, each with its status", () => {
    const section = readme.slice(readme.indexOf("### Errors"), readme.indexOf("\n### ", readme.indexOf("### Errors") + 5));
    const rows = section.split("\n").filter((l) => /^\| `[A-Z_]+` \|/.test(l));
    const documented = Object.fromEntries(rows.map((r) => [/`([A-Z_]+)`/.exec(r)![1]!, Number(r.split("|")[2]!.trim())]));
    const expected = Object.fromEntries(Object.entries(API_ERROR_CODES).map(([code, kind]) => [code, kind ? HTTP_STATUS_OF_KIND[kind] : 500]));
    expect(documented).toEqual(expected);
  });
});
