// `npm run monitor`: the stuck-execution monitor and the notification delivery worker, standalone.
// Run as many as you like: one leads (PostgreSQL advisory lock), the others stand by, and all of
// them deliver notifications (the outbox is shared with SKIP LOCKED).
import { closeDb } from "../server/db/client";
import { log } from "../server/log";
import { startAlerting } from "../server/monitor/runner";

let alerting: ReturnType<typeof startAlerting>;
try {
  alerting = startAlerting();
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) process.exit(130);
  stopping = true;
  log.info({ signal }, "monitor: stopping");
  await alerting.stop().catch(() => {});
  await closeDb().catch(() => {});
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
