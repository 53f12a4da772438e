// The schedule module and the missed-run rule: cron, time zones and daylight-saving time with a
// clock the test controls (every `now` is a parameter; nothing sleeps).
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { missedRunAction, type MissedDetails } from "../../server/alerts/rules";
import { describeIssues } from "../../server/ingest/event-schema";
import { formatSlot, missedAfter, missedSince, nextSlots, recentSlots, scheduleSchema, type CronSchedule } from "../../server/workflows/schedule";

const at = (iso: string) => new Date(iso);
const isoList = (ds: Date[]) => ds.map((d) => d.toISOString());
const berlin = (cron: string, graceSeconds = 600): CronSchedule => ({ cron, timezone: "Europe/Berlin", graceSeconds });

describe("validation", () => {
  const body = z.object({ schedule: scheduleSchema.optional() });
  const problem = (v: unknown) => {
    const r = body.safeParse({ schedule: v });
    return r.success ? null : describeIssues(r.error);
  };

  it("accepts cron with zone and grace, everySeconds, and null; fills the defaults", () => {
    expect(body.parse({ schedule: { cron: "0 * * * *", timezone: "Europe/Berlin", graceSeconds: 600 } }).schedule).toEqual({ cron: "0 * * * *", timezone: "Europe/Berlin", graceSeconds: 600 });
    expect(body.parse({ schedule: { cron: "*/5 * * * *" } }).schedule).toEqual({ cron: "*/5 * * * *", timezone: "UTC", graceSeconds: 300 });
    expect(body.parse({ schedule: { everySeconds: 3600 } }).schedule).toEqual({ everySeconds: 3600 });
    expect(body.parse({ schedule: null }).schedule).toBeNull();
  });

  it("names the field that is wrong", () => {
    expect(problem({ cron: "61 * * * *" })).toMatch(/^schedule\.cron: not a valid cron expression/);
    expect(problem({ cron: "every hour" })).toMatch(/^schedule\.cron: /);
    expect(problem({ cron: "0 * * * *", timezone: "Mars/Olympus" })).toMatch(/^schedule\.timezone: unknown time zone/);
    expect(problem({ cron: "0 * * * *", graceSeconds: -1 })).toMatch(/^schedule\.graceSeconds: /);
    expect(problem({ everySeconds: 0 })).toMatch(/^schedule\.everySeconds: /);
    expect(problem({ everySeconds: 1.5 })).toMatch(/^schedule\.everySeconds: /);
    expect(problem({ cron: "0 * * * *", everySeconds: 5 })).toMatch(/Unrecognized key/);
    expect(problem("0 * * * *")).toMatch(/^schedule: send/);
  });
});

describe("daylight-saving time in Europe/Berlin", () => {
  it("a 02:30 slot on the spring-forward day (29 March 2026, 02:00 → 03:00) runs at the first valid time after the gap, the same day", () => {
    const s = berlin("30 2 * * *");
    expect(isoList(nextSlots(s, at("2026-03-28T12:00:00Z"), 3))).toEqual([
      "2026-03-29T01:00:00.000Z", // 03:00 CEST: 02:30 does not exist that night
      "2026-03-30T00:30:00.000Z", // 02:30 CEST
      "2026-03-31T00:30:00.000Z",
    ]);
    // and it is missed once its grace after 03:00 CEST has passed, not before
    const anchor = at("2026-03-28T12:00:00Z");
    expect(missedSince(s, anchor, at("2026-03-29T01:09:59Z"))).toBeNull();
    expect(missedSince(s, anchor, at("2026-03-29T01:10:00Z"))).toMatchObject({ slot: at("2026-03-29T01:00:00Z"), count: 1, dueAt: at("2026-03-29T01:10:00Z") });
  });

  it("an hourly slot runs on both passes through the repeated fall-back hour (25 October 2026, 03:00 → 02:00)", () => {
    const s = berlin("0 * * * *", 0);
    expect(isoList(nextSlots(s, at("2026-10-24T23:30:00Z"), 4))).toEqual([
      "2026-10-25T00:00:00.000Z", // 02:00 CEST
      "2026-10-25T01:00:00.000Z", // 02:00 CET, the repeated hour
      "2026-10-25T02:00:00.000Z", // 03:00 CET
      "2026-10-25T03:00:00.000Z",
    ]);
    // three hours without an execution across the change are three missed slots, not two
    expect(missedSince(s, at("2026-10-24T23:30:00Z"), at("2026-10-25T02:30:00Z"))).toMatchObject({ count: 3, slot: at("2026-10-25T00:00:00Z"), lastSlot: at("2026-10-25T02:00:00Z") });
  });

  it("a fixed-time slot inside the repeated hour runs once, at its first occurrence", () => {
    expect(isoList(nextSlots(berlin("30 2 * * *"), at("2026-10-24T12:00:00Z"), 2))).toEqual(["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
  });
});

describe("slots in the viewer's zone", () => {
  it("the same instants read as the viewer's wall clock", () => {
    // 09:00 Berlin every day, seen from New York and Tokyo
    const [slot] = nextSlots(berlin("0 9 * * *"), at("2026-07-01T00:00:00Z"), 1);
    expect(slot!.toISOString()).toBe("2026-07-01T07:00:00.000Z");
    expect(formatSlot(slot!, "America/New_York")).toContain("03:00");
    expect(formatSlot(slot!, "Asia/Tokyo")).toContain("16:00");
    expect(formatSlot(slot!, "Europe/Berlin")).toContain("09:00");
    // in winter the offsets differ: the expression follows Berlin's clock, the viewer sees it move
    const [winter] = nextSlots(berlin("0 9 * * *"), at("2026-12-01T00:00:00Z"), 1);
    expect(formatSlot(winter!, "America/New_York")).toContain("03:00");
    expect(formatSlot(winter!, "Asia/Tokyo")).toContain("17:00");
  });
});

describe("missed slots", () => {
  const hourly: CronSchedule = { cron: "0 * * * *", timezone: "UTC", graceSeconds: 600 };

  it("a slot is missed only after its grace, and several in a row are one run with a count", () => {
    const anchor = at("2026-01-01T09:30:00Z");
    expect(missedSince(hourly, anchor, at("2026-01-01T10:09:59Z"))).toBeNull();
    expect(missedSince(hourly, anchor, at("2026-01-01T12:10:00Z"))).toMatchObject({ slot: at("2026-01-01T10:00:00Z"), lastSlot: at("2026-01-01T12:00:00Z"), count: 3 });
    expect(missedAfter(hourly, at("2026-01-01T12:00:00Z"), at("2026-01-01T13:09:00Z")).count).toBe(0);
    expect(missedAfter(hourly, at("2026-01-01T12:00:00Z"), at("2026-01-01T13:10:00Z"))).toEqual({ count: 1, lastSlot: at("2026-01-01T13:00:00Z") });
  });

  it("an execution created at the slot's instant covers it", () => {
    expect(missedSince(hourly, at("2026-01-01T10:00:00Z"), at("2026-01-01T10:30:00Z"))).toBeNull();
  });

  it("everySeconds: a silence longer than the interval", () => {
    const anchor = at("2026-01-01T10:00:00Z");
    expect(missedSince({ everySeconds: 3 }, anchor, at("2026-01-01T10:00:02.999Z"))).toBeNull();
    expect(missedSince({ everySeconds: 3 }, anchor, at("2026-01-01T10:00:03Z"))).toMatchObject({ slot: at("2026-01-01T10:00:03Z"), count: 1 });
    expect(missedSince({ everySeconds: 3 }, anchor, at("2026-01-01T10:00:10Z"))).toMatchObject({ count: 3, lastSlot: at("2026-01-01T10:00:09Z") });
  });
});

describe("missedRunAction", () => {
  const setAt = at("2026-01-01T10:00:30Z");
  const schedule = { cron: "* * * * *", timezone: "UTC", graceSeconds: 10 };
  const base = { schedule, scheduleSetAt: setAt, lastExecutionAt: null, latest: null };

  it("a newly added schedule never alerts for slots before it was set", () => {
    // the 10:00 slot passed 30 s before the schedule existed; 10:01 is the first that counts
    // and says when to look again: the 10:01 slot's grace ends at 10:01:10
    expect(missedRunAction(base, at("2026-01-01T10:01:09Z"))).toEqual({ kind: "none", recheckAt: at("2026-01-01T10:01:10Z") });
    const fire = missedRunAction(base, at("2026-01-01T10:01:10Z"));
    expect(fire).toMatchObject({ kind: "fire", details: { slot: "2026-01-01T10:01:00.000Z", count: 1, lastExecutionAt: null, scheduleSetAt: setAt.toISOString() } });
  });

  it("counts further slots on the open alert, resolves when an execution arrives or the schedule changes", () => {
    const details: MissedDetails = { slot: "2026-01-01T10:01:00.000Z", lastSlot: "2026-01-01T10:01:00.000Z", count: 1, lastExecutionAt: null, scheduleSetAt: setAt.toISOString() };
    const open = { ...base, latest: { open: true, details } };
    expect(missedRunAction(open, at("2026-01-01T10:02:05Z"))).toMatchObject({ kind: "none" });
    expect(missedRunAction(open, at("2026-01-01T10:03:10Z"))).toMatchObject({ kind: "count", details: { count: 3, lastSlot: "2026-01-01T10:03:00.000Z" } });
    expect(missedRunAction({ ...open, lastExecutionAt: at("2026-01-01T10:02:30Z") }, at("2026-01-01T10:03:10Z"))).toEqual({ kind: "resolve", resolution: "ran" });
    expect(missedRunAction({ ...open, scheduleSetAt: at("2026-01-01T10:02:00Z") }, at("2026-01-01T10:03:10Z"))).toEqual({ kind: "resolve", resolution: "schedule_changed" });
    expect(missedRunAction({ ...open, schedule: null, scheduleSetAt: null }, at("2026-01-01T10:03:10Z"))).toEqual({ kind: "resolve", resolution: "schedule_removed" });
  });

  it("after an alert resolved by hand, only slots after the ones it counted fire again", () => {
    const details: MissedDetails = { slot: "2026-01-01T10:01:00.000Z", lastSlot: "2026-01-01T10:03:00.000Z", count: 3, lastExecutionAt: null, scheduleSetAt: setAt.toISOString() };
    const resolved = { ...base, latest: { open: false, details } };
    expect(missedRunAction(resolved, at("2026-01-01T10:04:05Z"))).toMatchObject({ kind: "none" });
    expect(missedRunAction(resolved, at("2026-01-01T10:04:10Z"))).toMatchObject({ kind: "fire", details: { slot: "2026-01-01T10:04:00.000Z", count: 1 } });
  });
});

describe("the slot strip", () => {
  it("cron: ran within the grace, late after it, missed, pending while the grace runs", () => {
    const s: CronSchedule = { cron: "0 * * * *", timezone: "UTC", graceSeconds: 600 };
    const created = [at("2026-01-01T09:05:00Z"), at("2026-01-01T10:30:00Z")];
    const strip = recentSlots(s, created, at("2026-01-01T12:05:00Z"), 4, at("2026-01-01T09:30:00Z"));
    expect(strip.map((x) => [x.at.toISOString().slice(11, 16), x.state, x.beforeSchedule])).toEqual([
      ["09:00", "ran", true],
      ["10:00", "late", false],
      ["11:00", "missed", false],
      ["12:00", "pending", false],
    ]);
    expect(strip[1]!.until).toEqual(at("2026-01-01T10:10:00Z"));
  });

  it("everySeconds: consecutive windows ending now", () => {
    const strip = recentSlots({ everySeconds: 60 }, [at("2026-01-01T10:00:30Z")], at("2026-01-01T10:02:00Z"), 2, null);
    expect(strip.map((x) => [x.at.toISOString(), x.state])).toEqual([
      ["2026-01-01T10:00:00.000Z", "ran"],
      ["2026-01-01T10:01:00.000Z", "missed"],
    ]);
  });
});
