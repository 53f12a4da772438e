// Next.js instrumentation hook: stamps every request with its TCP peer (server/http/client-address.ts:
// route handlers never see the socket), and with RUNWATCH_MONITOR=inprocess, the server process
// also runs the stuck-execution monitor and the delivery worker (one leads across processes; see
// server/monitor/lease.ts). Only in the Node.js runtime: they need TCP connections to PostgreSQL.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // a bad value stops the server here, naming the variable, before any request is served
  const { validateConfigOrExit } = await import("./server/config");
  const settings = validateConfigOrExit();
  const { installPeerHook } = await import("./server/http/client-address");
  installPeerHook();
  if (settings.RUNWATCH_MONITOR !== "inprocess") return;
  const { startAlerting } = await import("./server/monitor/runner");
  const alerting = startAlerting();
  const stop = () => void alerting.stop();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
