// The status vocabulary of CONTRACT.md §1: canonical names, input aliases, and what is refused.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  ACCEPTED_STATUS_INPUTS,
  ACTIVE_STATUSES,
  RANK,
  STATUSES,
  TERMINAL_STATUSES,
  invalidStatusMessage,
  isActive,
  isTerminal,
  parseStatus,
  type Status,
} from "../../server/executions/status";

// Written out from the contract's table, not derived from the module.
const CONTRACT_TABLE: [Status, "active" | "terminal", number][] = [
  ["PENDING", "active", 0],
  ["SCHEDULED", "active", 1],
  ["RUNNING", "active", 2],
  ["WAITING", "active", 2],
  ["COMPLETED", "terminal", 3],
  ["FAILED", "terminal", 3],
  ["CANCELLED", "terminal", 3],
  ["TIMED_OUT", "terminal", 3],
  ["CONTINUED_AS_NEW", "terminal", 3],
];

const CONTRACT_ALIASES: [string, Status][] = [
  ["requested", "PENDING"],
  ["queued", "PENDING"],
  ["created", "PENDING"],
  ["scheduling", "PENDING"],
  ["started", "RUNNING"],
  ["paused", "WAITING"],
  ["succeeded", "COMPLETED"],
  ["success", "COMPLETED"],
  ["done", "COMPLETED"],
  ["error", "FAILED"],
  ["errored", "FAILED"],
  ["canceled", "CANCELLED"],
  ["timeout", "TIMED_OUT"],
  ["timedout", "TIMED_OUT"],
  ["continuedasnew", "CONTINUED_AS_NEW"],
  ["continued_as_new", "CONTINUED_AS_NEW"],
];

/** Every upper/lower-case spelling mix of `s`, as an arbitrary. */
function anyCasing(s: string): fc.Arbitrary<string> {
  return fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((upper) => [...s].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch.toLowerCase())).join(""));
}

const padding = fc.constantFrom("", " ", "  ", "\t", "\n", " \t ");

describe("the status table", () => {
  it("lists exactly the nine statuses of the contract", () => {
    expect([...STATUSES].sort()).toEqual(CONTRACT_TABLE.map(([s]) => s).sort());
  });

  it.each(CONTRACT_TABLE)("%s is %s with rank %d", (status, kind, rank) => {
    expect(RANK[status]).toBe(rank);
    expect(isTerminal(status)).toBe(kind === "terminal");
    expect(isActive(status)).toBe(kind === "active");
    expect((ACTIVE_STATUSES as readonly Status[]).includes(status)).toBe(kind === "active");
    expect((TERMINAL_STATUSES as readonly Status[]).includes(status)).toBe(kind === "terminal");
  });
});

describe("parseStatus", () => {
  it.each(CONTRACT_TABLE.map(([s]) => s))("accepts the canonical name %s", (status) => {
    expect(parseStatus(status)).toBe(status);
    expect(parseStatus(status.toLowerCase())).toBe(status);
  });

  it.each(CONTRACT_ALIASES)("maps the alias %s to %s", (alias, status) => {
    expect(parseStatus(alias)).toBe(status);
    expect(parseStatus(alias.toUpperCase())).toBe(status);
    expect(parseStatus(`  ${alias}\t`)).toBe(status);
  });

  it("accepts every alias and canonical name in any casing, trimmed", () => {
    const pairs: [string, Status][] = [...CONTRACT_ALIASES, ...CONTRACT_TABLE.map(([s]) => [s, s] as [string, Status])];
    fc.assert(
      fc.property(
        fc.constantFrom(...pairs).chain(([input, status]) =>
          fc.tuple(padding, anyCasing(input), padding).map(([l, mid, r]) => [l + mid + r, status] as const),
        ),
        ([input, status]) => {
          expect(parseStatus(input)).toBe(status);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    "",
    "   ",
    "unknown",
    "RUN",
    "runing",
    "timed out",
    "cancel",
    "complete",
    "PENDING!",
    "p e n d i n g",
    "continued-as-new",
    "fail",
    "waiting_for_signal",
    "0",
  ])("refuses %j", (input) => {
    expect(parseStatus(input)).toBeNull();
  });

  it("returns a canonical status or null for any string", () => {
    fc.assert(
      fc.property(fc.string(), (input) => {
        const parsed = parseStatus(input);
        expect(parsed === null || (STATUSES as readonly string[]).includes(parsed)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  // Inherited Object.prototype members must not pass as aliases (the alias table is an object literal).
  it.each(["constructor", "__proto__", "Constructor", " __PROTO__ ", "hasOwnProperty"])(
    "refuses the Object.prototype member name %j",
    (input) => {
      expect(parseStatus(input)).toBeNull();
    },
  );
});

describe("invalidStatusMessage", () => {
  it("names the value and every accepted value", () => {
    const message = invalidStatusMessage("bogus");
    expect(message).toContain('"bogus"');
    for (const [status] of CONTRACT_TABLE) expect(message).toContain(status);
    for (const [alias] of CONTRACT_ALIASES) expect(message).toContain(alias);
    expect(message).toMatch(/case-insensitive/);
  });

  it("lists as accepted exactly the canonical names and the contract's aliases", () => {
    const expected = [...CONTRACT_TABLE.map(([s]) => s), ...CONTRACT_ALIASES.map(([a]) => a)];
    expect([...ACCEPTED_STATUS_INPUTS].sort()).toEqual(expected.sort());
  });

  it("every accepted input parses", () => {
    for (const input of ACCEPTED_STATUS_INPUTS) expect(parseStatus(input)).not.toBeNull();
  });

  it("quotes non-string values readably", () => {
    expect(invalidStatusMessage(42)).toContain("42");
    expect(invalidStatusMessage(null)).toContain("null");
  });
});
