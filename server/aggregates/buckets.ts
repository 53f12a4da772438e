// Time buckets for charts: a size chosen from the range so a series stays under a cap, aligned
// to a fixed origin so the same instant always falls in the same bucket (the SQL in charts.ts
// computes the same index). Pure.

import { DAY_MS, HOUR_MS } from "./hourly";

export { DAY_MS, HOUR_MS };
/** The hard cap on points per series. */
export const MAX_POINTS = 2000;

/** Sizes a chart may use, smallest first. The hourly aggregate is the finest grain there is. */
export const BUCKET_SIZES_MS: readonly number[] = [HOUR_MS, 2 * HOUR_MS, 3 * HOUR_MS, 6 * HOUR_MS, 12 * HOUR_MS, DAY_MS, 2 * DAY_MS, 7 * DAY_MS, 14 * DAY_MS, 28 * DAY_MS];

/** Monday 1970-01-05T00:00Z: whole hours and days, and weeks that start on Monday (UTC). */
export const BUCKET_ORIGIN_MS = Date.UTC(1970, 0, 5);

export function bucketIndex(t: number, sizeMs: number): number {
  return Math.floor((t - BUCKET_ORIGIN_MS) / sizeMs);
}

export function bucketStart(t: number, sizeMs: number): number {
  return BUCKET_ORIGIN_MS + bucketIndex(t, sizeMs) * sizeMs;
}

/** Buckets that [fromMs, toMs) touches. */
export function bucketCount(fromMs: number, toMs: number, sizeMs: number): number {
  if (toMs <= fromMs) return 0;
  return bucketIndex(toMs - 1, sizeMs) - bucketIndex(fromMs, sizeMs) + 1;
}

/**
 * The smallest bucket size of at least minMs that keeps [fromMs, toMs) within maxPoints buckets.
 * Past the largest listed size, whole multiples of it.
 */
export function chooseBucketMs(fromMs: number, toMs: number, maxPoints = MAX_POINTS, minMs = 0): number {
  const cap = Math.max(1, Math.min(MAX_POINTS, Math.floor(maxPoints)));
  for (const size of BUCKET_SIZES_MS) if (size >= minMs && bucketCount(fromMs, toMs, size) <= cap) return size;
  const largest = BUCKET_SIZES_MS[BUCKET_SIZES_MS.length - 1]!;
  let size = Math.ceil((toMs - fromMs) / cap / largest) * largest;
  while (bucketCount(fromMs, toMs, size) > cap) size += largest;
  return size;
}

/** Start of every bucket [fromMs, toMs) touches, oldest first. */
export function bucketStarts(fromMs: number, toMs: number, sizeMs: number): number[] {
  const n = bucketCount(fromMs, toMs, sizeMs);
  const first = bucketStart(fromMs, sizeMs);
  return Array.from({ length: n }, (_, i) => first + i * sizeMs);
}

/**
 * A full series: one point per bucket, in order, values from `byIndex` (keyed by bucketIndex)
 * or `empty()` where a bucket has no data, so a chart shows gaps as zeros, not as missing bars.
 */
export function fillSeries<T>(fromMs: number, toMs: number, sizeMs: number, byIndex: ReadonlyMap<number, T>, empty: () => T): { start: number; value: T }[] {
  return bucketStarts(fromMs, toMs, sizeMs).map((start) => ({ start, value: byIndex.get(bucketIndex(start, sizeMs)) ?? empty() }));
}

/**
 * Below this many finished runs in a bucket the chart shows no failure rate: one failed run out
 * of one is "100%", which says nothing. The chart says so beside it.
 */
export const FAILURE_RATE_MIN_FINISHED = 5;

/** Share of failures among finished runs, or null when fewer than `minFinished` finished. */
export function failureRate(failures: number, successes: number, minFinished = 1): number | null {
  const finished = failures + successes;
  return finished === 0 || finished < minFinished ? null : failures / finished;
}
