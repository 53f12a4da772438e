// Measuring helpers shared by the monitor benchmarks (bench:sweep, bench:missed), so both print
// their figures the same way.

export const say = (s: string) => process.stderr.write(`${s}\n`);

/** fn's result and how long it took, in milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

/** min, median, p95 and max of a set of timings in milliseconds, to two decimals. */
export function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { min: +s[0]!.toFixed(2), median: +q(0.5).toFixed(2), p95: +q(0.95).toFixed(2), max: +s[s.length - 1]!.toFixed(2) };
}
