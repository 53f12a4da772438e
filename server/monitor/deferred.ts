// Rule 9's end of the road: deferred events whose execution never came (no event named its
// workflow within RUNWATCH_DEFER_HOURS) are dropped, and counted in the metrics. One small step
// of the monitor's loop, run by the leader after its sweep.
import type { Queryable } from "../db/sql";
import { metrics } from "../metrics/prometheus";
import { dropDeferredBefore } from "./queries";

/** Deletes the deferred events received before `now − maxAgeHours`; returns how many went. */
export async function dropExpiredDeferredEvents(db: Queryable, opts: { now: Date; maxAgeHours: number }): Promise<number> {
  const cutoff = new Date(opts.now.getTime() - opts.maxAgeHours * 3_600_000);
  const dropped = await dropDeferredBefore(db, cutoff);
  if (dropped) metrics().deferredEventsDropped.inc(dropped);
  return dropped;
}
