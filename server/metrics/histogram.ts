// Fixed log-scale duration buckets shared by the hourly aggregate and the charts. Bucket i
// holds durations below BUCKET_UPPER_MS[i]; the last bucket is open-ended. Changing the
// bounds invalidates stored histograms, so they are part of the schema's contract.
export const BUCKET_UPPER_MS: readonly number[] = (() => {
  const bounds: number[] = [];
  // 10 ms … ~28 h, four buckets per power of ten
  for (let exp = 1; exp <= 8; exp++) for (const m of [1, 1.78, 3.16, 5.62]) bounds.push(Math.round(m * 10 ** exp));
  return bounds;
})();

export const BUCKET_COUNT = BUCKET_UPPER_MS.length + 1;

export function bucketOf(durationMs: number): number {
  let lo = 0;
  let hi = BUCKET_UPPER_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (durationMs < BUCKET_UPPER_MS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function emptyHistogram(): number[] {
  return new Array(BUCKET_COUNT).fill(0);
}

/** Quantile estimated from bucket counts, interpolating inside the bucket on a log scale. */
export function quantileFromHistogram(hist: readonly number[], q: number): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    const n = hist[i]!;
    if (n > 0 && seen + n >= rank) {
      const lower = i === 0 ? 1 : BUCKET_UPPER_MS[i - 1]!;
      const upper = BUCKET_UPPER_MS[i] ?? lower * 1.78;
      const frac = Math.min(1, Math.max(0, (rank - seen) / n));
      return Math.round(lower * Math.pow(upper / lower, frac));
    }
    seen += n;
  }
  return BUCKET_UPPER_MS[BUCKET_UPPER_MS.length - 1]!;
}
