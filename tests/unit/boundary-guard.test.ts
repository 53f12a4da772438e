// The boundary guard (server/guard.ts) and the one error classification (server/errors.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyError, InvalidTextError, isDatabaseUnavailable, NotFoundError } from "../../server/errors";
import { assertCleanUrl, badTextProblem, findBadText } from "../../server/guard";

describe("findBadText", () => {
  it("names the field of a NUL, a lone surrogate or a bad key, however deep", () => {
    expect(findBadText({ a: [1, { b: "x\u0000y" }] })?.field).toBe("body.a[1].b");
    expect(findBadText({ name: "\ud800" })?.message).toMatch(/body\.name contains a lone UTF-16 surrogate/);
    expect(findBadText({ name: "\udc00x" })?.field).toBe("body.name");
    expect(findBadText({ ["k\u0000"]: 1 })?.field).toBe("body key");
    expect(findBadText({ ok: "emoji 😀 and ü" })).toBeNull();
  });

  it("refuses bodies nested deeper than it walks", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 200; i++) deep = [deep];
    expect(findBadText(deep)).toBeInstanceOf(InvalidTextError);
  });

  it("accepts every well-formed string and refuses every string with a NUL", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (s) => badTextProblem(s.replace(/\u0000/g, "")) === null));
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => badTextProblem(`${a}\u0000${b}`) !== null));
  });
});

describe("assertCleanUrl", () => {
  const refuses = (url: string) => {
    try {
      assertCleanUrl(`http://h${url}`);
      return null;
    } catch (err) {
      return (err as InvalidTextError).field;
    }
  };
  it("refuses broken escapes and NUL in the path and query, naming where", () => {
    expect(refuses("/api/v1/executions/%")).toBe("path");
    expect(refuses("/api/v1/executions/%FF%FE")).toBe("path");
    expect(refuses("/api/v1/executions/%00")).toBe("path");
    expect(refuses("/api/v1/executions?workflow=%00")).toBe("query parameter workflow");
    expect(refuses("/api/v1/executions?q=a%00b")).toBe("query parameter q");
    expect(refuses("/api/v1/executions?q=%E0%A4%A")).toBe("query parameter q");
    expect(refuses("/api/v1/executions?bad%=1")).toBe("query parameter name");
  });
  it("lets ordinary URLs through", () => {
    expect(refuses("/api/v1/executions/run%2042?status=RUNNING,WAITING&q=caf%C3%A9+x")).toBeNull();
  });
});

describe("classifyError", () => {
  it("keeps domain errors, also when wrapped", () => {
    const inner = new NotFoundError("gone");
    expect(classifyError(new Error("wrapped", { cause: inner }))).toBe(inner);
  });
  it("says 503 for connection failures and PostgreSQL shutdowns, and null for bugs", () => {
    expect(isDatabaseUnavailable(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([Object.assign(new Error("x"), { code: "ECONNREFUSED" })]))).toBe(true);
    expect(isDatabaseUnavailable(new Error("outer", { cause: { kind: "DatabaseNotReachable" } }))).toBe(true);
    expect(classifyError(Object.assign(new Error('relation "x" does not exist'), { code: "42P01" }))).toBeNull();
    expect(classifyError(new TypeError("undefined is not a function"))).toBeNull();
    expect(classifyError(new Error("timeout exceeded when trying to connect"))?.status).toBe(503);
  });
});
