// CPU time from Linux's /proc, in ms, for the benchmarks that split a request's cost between
// processes (bench-ingest.ts, bench-list-http.ts). Clock ticks are 10 ms: read over many requests.
import { readFileSync } from "node:fs";

const CLOCK_TICK_MS = 10;

/** The whole machine's busy time so far: user, nice, system, irq, softirq and steal (/proc/stat). */
export function machineBusyMs(): number {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number) as number[];
  return (user! + nice! + system! + irq! + softirq! + steal!) * CLOCK_TICK_MS;
}

/** One process's utime + stime so far (/proc/PID/stat). */
export function processCpuMs(pid: string | number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
}
