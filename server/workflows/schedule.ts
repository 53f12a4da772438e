// A workflow's schedule (CONTRACT.md §2): when executions are expected, and which expected slots
// were missed. Pure functions of plain data and an explicit `now`: no clock, no I/O. Cron
// expressions are parsed and stepped by croner, which handles daylight-saving time the way its
// README documents (Vixie cron): a fixed-time slot inside a spring-forward gap runs at the first
// valid time after the gap, the same day; a fixed-time slot in a repeated fall-back hour runs
// once, at its first occurrence; interval patterns (`0 * * * *`) skip the gap and run on both
// occurrences of a repeated hour. Runs in the browser too (the workflow page's next slots).
import { Cron } from "croner";
import { z } from "zod";

export type CronSchedule = { cron: string; timezone: string; graceSeconds: number };
export type EverySchedule = { everySeconds: number };
export type Schedule = CronSchedule | EverySchedule;

export const DEFAULT_TIMEZONE = "UTC";
export const DEFAULT_GRACE_SECONDS = 300;
const MAX_SECONDS = 30 * 24 * 3600;

export const isCronSchedule = (s: Schedule): s is CronSchedule => "cron" in s;

/** True when `tz` is an IANA time zone this runtime knows (the same check croner's conversion makes). */
export function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const cronCache = new Map<string, Cron>();

/** The parsed expression (cached: parsing is the costly part of a sweep). Throws on a bad one. */
export function cronOf(s: Pick<CronSchedule, "cron" | "timezone">): Cron {
  const key = `${s.timezone}\u0000${s.cron}`;
  let c = cronCache.get(key);
  if (!c) {
    // 5 fields (minutes) or 6 (with seconds); day-of-month and day-of-week OR-ed, as in Vixie cron
    c = new Cron(s.cron, { timezone: s.timezone, paused: true, mode: "5-or-6-parts" });
    if (cronCache.size > 10_000) cronCache.clear();
    cronCache.set(key, c);
  }
  return c;
}

/** Why `cron` is not a usable expression, or null when it is. */
export function cronProblem(cron: string): string | null {
  try {
    const c = new Cron(cron, { paused: true, mode: "5-or-6-parts" });
    if (c.nextRun(new Date(0)) === null) return "never matches a time";
    return null;
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern: /, "");
  }
}

const seconds = (field: string, min: number) =>
  z
    .number({ error: `${field} must be a whole number of seconds` })
    .int(`${field} must be a whole number of seconds`)
    .min(min, `${field} must be at least ${min}`)
    .max(MAX_SECONDS, `${field} must be at most 30 days (${MAX_SECONDS} seconds)`);

const cronScheduleSchema = z.strictObject({
  cron: z
    .string({ error: 'cron must be a cron expression such as "0 * * * *"' })
    .trim()
    .min(1, 'cron must be a cron expression such as "0 * * * *"')
    .max(200)
    .superRefine((v, ctx) => {
      const problem = cronProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: `not a valid cron expression (${problem}); send 5 fields (minute hour day month weekday) or 6 (with seconds first), e.g. "0 * * * *"` });
    }),
  timezone: z
    .string()
    .max(100)
    .refine(isKnownTimeZone, { message: 'unknown time zone; send an IANA name such as "Europe/Berlin" or "UTC"' })
    .default(DEFAULT_TIMEZONE),
  graceSeconds: seconds("graceSeconds", 0).default(DEFAULT_GRACE_SECONDS),
});

const everyScheduleSchema = z.strictObject({ everySeconds: seconds("everySeconds", 1) });

/**
 * The body field `schedule`: a cron schedule, an interval, or null (remove). The branch is picked
 * by its key, so an error names the field that is wrong (`schedule.timezone: unknown time zone`)
 * rather than "no union member matched".
 */
export const scheduleSchema = z.unknown().transform((v, ctx): Schedule | null => {
  if (v === null) return null;
  if (typeof v !== "object" || Array.isArray(v) || v === undefined) {
    ctx.addIssue({ code: "custom", message: 'send {"cron", "timezone"?, "graceSeconds"?}, {"everySeconds"} or null' });
    return z.NEVER;
  }
  const branch = "everySeconds" in v && !("cron" in v) ? everyScheduleSchema : cronScheduleSchema;
  const r = branch.safeParse(v);
  if (!r.success) {
    for (const i of r.error.issues) ctx.addIssue({ code: "custom", message: i.message, path: i.path });
    return z.NEVER;
  }
  return r.data;
});

/** What the API returns (and tRPC's output schema checks). */
export const scheduleOutputSchema = z
  .union([z.object({ cron: z.string(), timezone: z.string(), graceSeconds: z.number() }), z.object({ everySeconds: z.number() })])
  .nullable();

/**
 * A stored schedule (jsonb) read back, already validated when it was written; anything
 * unreadable counts as no schedule. A structural check only: the monitor reads every schedule
 * each sweep, and re-parsing the expression there would cost more than the whole check.
 */
export function readSchedule(raw: unknown): Schedule | null {
  if (!raw || typeof raw !== "object") return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.cron === "string" && typeof r.timezone === "string" && typeof r.graceSeconds === "number") return { cron: r.cron, timezone: r.timezone, graceSeconds: r.graceSeconds };
  if (typeof r.everySeconds === "number" && r.everySeconds >= 1) return { everySeconds: r.everySeconds };
  return null;
}

/** How long after a slot an execution may still be created without being late. */
export const graceMsOf = (s: Schedule): number => (isCronSchedule(s) ? s.graceSeconds * 1000 : 0);

/** The next `n` slots strictly after `after`. For `everySeconds`, slots follow `anchor` (the last execution). */
export function nextSlots(s: Schedule, after: Date, n: number, anchor: Date = after): Date[] {
  if (isCronSchedule(s)) return cronOf(s).nextRuns(n, after);
  const every = s.everySeconds * 1000;
  const k = Math.max(1, Math.floor((after.getTime() - anchor.getTime()) / every) + 1);
  return Array.from({ length: n }, (_, i) => new Date(anchor.getTime() + (k + i) * every));
}

const nextCache = new Map<string, Date | null>();

/**
 * The first cron slot strictly after `after`, memoized: the monitor asks the same question (the
 * slot after the newest execution) every sweep until an execution arrives, and stepping a cron
 * expression through a time zone is the one costly part of the check.
 */
export function cronSlotAfter(s: CronSchedule, after: Date): Date | null {
  const key = `${s.timezone}\u0000${s.cron}\u0000${after.getTime()}`;
  if (nextCache.has(key)) return nextCache.get(key)!;
  const next = cronOf(s).nextRun(after);
  if (nextCache.size > 50_000) nextCache.clear();
  nextCache.set(key, next);
  return next;
}

/** Cron slots in (from, to], oldest first, at most `limit`. */
export function cronSlotsBetween(s: CronSchedule, from: Date, to: Date, limit: number): Date[] {
  const out: Date[] = [];
  let cur = cronSlotAfter(s, from);
  while (cur && cur.getTime() <= to.getTime() && out.length < limit) {
    out.push(cur);
    cur = cronOf(s).nextRun(cur);
  }
  return out;
}

export type MissedRun = {
  /** the first missed slot of the run of missed slots */
  slot: Date;
  /** the newest missed slot counted so far */
  lastSlot: Date;
  /** how many slots in a row were missed */
  count: number;
  /** when the first slot's grace ran out (the alert's `since`) */
  dueAt: Date;
};

/** The most cron slots one evaluation counts; a longer run keeps counting at the next one (everySeconds is arithmetic, uncapped). */
export const MAX_SLOTS_PER_CHECK = 1000;

/**
 * The missed slots after `anchor`: the latest of the newest execution's creation and the moment
 * the schedule was set (a new schedule never alerts for slots before it existed). A slot counts
 * once its grace has passed by `now`. Null when nothing is missed.
 *
 * Only slots after the newest execution are looked at: an older slot without its execution was
 * already followed by an execution, which would have resolved its alert anyway.
 */
export function missedSince(s: Schedule, anchor: Date, now: Date, limit = MAX_SLOTS_PER_CHECK): MissedRun | null {
  const grace = graceMsOf(s);
  const latestDue = new Date(now.getTime() - grace);
  if (!isCronSchedule(s)) {
    const every = s.everySeconds * 1000;
    const count = Math.floor((now.getTime() - anchor.getTime()) / every);
    if (count < 1) return null;
    const slot = new Date(anchor.getTime() + every);
    return { slot, lastSlot: new Date(anchor.getTime() + count * every), count, dueAt: slot };
  }
  // strictly after the anchor: a slot at the very instant of the anchor execution is covered by it
  const missed = cronSlotsBetween(s, anchor, latestDue, limit);
  if (missed.length === 0) return null;
  return { slot: missed[0]!, lastSlot: missed[missed.length - 1]!, count: missed.length, dueAt: new Date(missed[0]!.getTime() + grace) };
}

/**
 * When the first slot after `anchor` would be missed (its grace over), or null if the expression
 * never matches again: until then the missed-run check need not look at the workflow.
 */
export function firstDueAfter(s: Schedule, anchor: Date): Date | null {
  if (!isCronSchedule(s)) return new Date(anchor.getTime() + s.everySeconds * 1000);
  const slot = cronSlotAfter(s, anchor);
  return slot ? new Date(slot.getTime() + graceMsOf(s)) : null;
}

/**
 * Further missed slots after `lastSlot` of an open run, up to `now` (for the count of an open
 * alert): counts only what is new, so a long silence costs one step per sweep, not a recount.
 */
export function missedAfter(s: Schedule, lastSlot: Date, now: Date, limit = MAX_SLOTS_PER_CHECK): { count: number; lastSlot: Date } {
  if (!isCronSchedule(s)) {
    const every = s.everySeconds * 1000;
    const count = Math.max(0, Math.floor((now.getTime() - lastSlot.getTime()) / every));
    return { count, lastSlot: new Date(lastSlot.getTime() + count * every) };
  }
  const slots = cronSlotsBetween(s, lastSlot, new Date(now.getTime() - graceMsOf(s)), limit);
  return { count: slots.length, lastSlot: slots[slots.length - 1] ?? lastSlot };
}

// --- The slot strip of the workflow page ---------------------------------------------------------

export type SlotState = "ran" | "late" | "missed" | "pending";

export type SlotView = {
  /** when the execution was expected */
  at: Date;
  /** end of its window: the grace for cron, the next interval for everySeconds */
  until: Date;
  state: SlotState;
  /** before the schedule was set: shown, never alerted */
  beforeSchedule: boolean;
};

/**
 * The last `n` slots up to `now` with what happened: `ran` (an execution created within the
 * grace), `late` (the first one came after the grace but before the next slot), `missed`
 * (nothing until the next slot), `pending` (grace still running). For `everySeconds` the slots
 * are consecutive windows of that length ending now, ran or missed. `createdAts`: the
 * workflow's executions' creation times in any order.
 */
export function recentSlots(s: Schedule, createdAts: readonly Date[], now: Date, n: number, setAt: Date | null): SlotView[] {
  const times = createdAts.map((d) => d.getTime()).sort((a, b) => a - b);
  const anyIn = (from: number, to: number) => {
    // first index with time >= from
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < times.length && times[lo]! <= to;
  };
  const before = (at: Date) => setAt !== null && at.getTime() < setAt.getTime();
  if (!isCronSchedule(s)) {
    const every = s.everySeconds * 1000;
    const end = now.getTime();
    return Array.from({ length: n }, (_, i) => {
      const from = end - (n - i) * every;
      const at = new Date(from);
      return { at, until: new Date(from + every), state: anyIn(from, from + every) ? "ran" : "missed", beforeSchedule: before(at) } satisfies SlotView;
    });
  }
  const grace = graceMsOf(s);
  const c = cronOf(s);
  const past = c.previousRuns(n, now).reverse();
  return past.map((at, i) => {
    const next = past[i + 1] ?? c.nextRun(at) ?? new Date(8.64e15);
    const t = at.getTime();
    let state: SlotState;
    if (anyIn(t, t + grace)) state = "ran";
    else if (t + grace > now.getTime()) state = "pending";
    else if (anyIn(t + grace + 1, Math.min(next.getTime() - 1, now.getTime()))) state = "late";
    else state = "missed";
    return { at, until: new Date(t + grace), state, beforeSchedule: before(at) };
  });
}

/** Slots as wall-clock text in the viewer's time zone (the page also shows UTC on hover). */
export function formatSlot(at: Date, viewerTimeZone: string, locale = "en-GB"): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone: viewerTimeZone,
    weekday: "short",
    year: "numeric",
    month: "short",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(at);
}

/** A one-line description for people: "cron 0 * * * * (Europe/Berlin), 10 min grace". */
export function describeSchedule(s: Schedule): string {
  const dur = (sec: number) => (sec % 3600 === 0 && sec > 0 ? `${sec / 3600} h` : sec % 60 === 0 && sec > 0 ? `${sec / 60} min` : `${sec} s`);
  if (!isCronSchedule(s)) return `at least every ${dur(s.everySeconds)}`;
  return `cron ${s.cron} (${s.timezone}), ${dur(s.graceSeconds)} grace`;
}
