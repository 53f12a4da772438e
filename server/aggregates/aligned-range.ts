// Splits a time range [from, to) into whole days, whole hours and ragged edges, so a count over
// it sums a few rollup rows (days, hours) and counts only the edges from executions. Either end
// may be open. Pure.
import { DAY_MS, HOUR_MS } from "./buckets";

/** [from, to) in epoch ms; null: unbounded on that side. */
export type Interval = { from: number | null; to: number | null };

export type RangePieces = {
  /** at most one interval of whole UTC days (ends may be open) */
  days: Interval | null;
  /** up to two intervals of whole hours, together shorter than two days */
  hours: { from: number; to: number }[];
  /** up to two intervals shorter than an hour, at the ends */
  ragged: { from: number; to: number }[];
};

const ceilTo = (t: number, ms: number) => Math.ceil(t / ms) * ms;
const floorTo = (t: number, ms: number) => Math.floor(t / ms) * ms;

export function splitRange(from: number | null, to: number | null): RangePieces {
  const pieces: RangePieces = { days: null, hours: [], ragged: [] };
  if (from !== null && to !== null && from >= to) return pieces;
  const hourFrom = from === null ? null : ceilTo(from, HOUR_MS);
  const hourTo = to === null ? null : floorTo(to, HOUR_MS);
  if (hourFrom !== null && hourTo !== null && hourFrom >= hourTo) {
    if (hourFrom > hourTo) {
      // within one hour
      pieces.ragged.push({ from: from!, to: to! });
      return pieces;
    }
    // across one hour boundary with no whole hour between: a piece on each side of it, each
    // within its hour (one piece alone, longer than an hour, would read up to two hours of rows)
    if (from! < hourFrom) pieces.ragged.push({ from: from!, to: hourFrom });
    if (hourTo < to!) pieces.ragged.push({ from: hourTo, to: to! });
    return pieces;
  }
  if (from !== null && from < hourFrom!) pieces.ragged.push({ from, to: hourFrom! });
  if (to !== null && hourTo! < to) pieces.ragged.push({ from: hourTo!, to });
  const dayFrom = hourFrom === null ? null : ceilTo(hourFrom, DAY_MS);
  const dayTo = hourTo === null ? null : floorTo(hourTo, DAY_MS);
  if (dayFrom !== null && dayTo !== null && dayFrom >= dayTo) {
    pieces.hours.push({ from: hourFrom!, to: hourTo! });
    return pieces;
  }
  if (hourFrom !== null && hourFrom < dayFrom!) pieces.hours.push({ from: hourFrom, to: dayFrom! });
  if (hourTo !== null && dayTo! < hourTo) pieces.hours.push({ from: dayTo!, to: hourTo });
  pieces.days = { from: dayFrom, to: dayTo };
  return pieces;
}
