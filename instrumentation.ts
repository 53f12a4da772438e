// Next.js instrumentation hook: stamps every request with its TCP peer (server/http/client-address.ts:
// route handlers never see the socket), and with RUNWATCH_MONITOR=inprocess, the server process
// also runs the stuck-execution monitor and the delivery worker (one leads across processes; see
// server/monitor/lease.ts). Every server process also takes over bulk jobs a stopped process left
// unfinished (server/operations/bulk.ts), at boot and every lease period. Only in the Node.js
// runtime: they need TCP connections to PostgreSQL.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // a bad value stops the server here, naming the variable, before any request is served
  const { validateConfigOrExit } = await import("./server/config");
  const settings = validateConfigOrExit();
  const { installPeerHook } = await import("./server/http/client-address");
  installPeerHook();
  const { BULK_LEASE_MS, resumeBulkJobs } = await import("./server/operations/bulk");
  const { log } = await import("./server/log");
  const resume = () => void resumeBulkJobs().catch((err: unknown) => log.warn({ err }, "could not look for unfinished bulk jobs; trying again later"));
  resume();
  setInterval(resume, BULK_LEASE_MS).unref();
  if (settings.RUNWATCH_MONITOR !== "inprocess") return;
  const { startAlerting } = await import("./server/monitor/runner");
  const alerting = startAlerting();
  const stop = () => void alerting.stop();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
