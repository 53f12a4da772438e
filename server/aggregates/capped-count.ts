// How a count capped at COUNT_CAP (server/paging/limits.ts) reads, on the server and in the browser: "10,000+" once the
// cap was hit. Pure, so client components can import it.
export function formatCappedCount(count: number, capped: boolean): string {
  return `${count.toLocaleString("en-US")}${capped ? "+" : ""}`;
}
