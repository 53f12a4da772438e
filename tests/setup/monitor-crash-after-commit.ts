// `npm run monitor` that dies (SIGKILL to itself) right after a sweep that opened an alert has
// committed: the fault-injection process of tests/integration/monitor-processes.itest.ts. Kept
// out of production code, which has no test-only switch.
import { startAlerting } from "../../server/monitor/runner";

startAlerting({
  afterCommit: (result) => {
    if (result.opened.length > 0) process.kill(process.pid, "SIGKILL");
  },
});
