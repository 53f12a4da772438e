// Group commit for ingestion: concurrent requests of one organization share a transaction.
// A lone request is flushed at once and waits for nothing. While a flush is running, new
// requests queue, and the next flush applies all of them set-wise, in arrival order, handing
// each request its own slice of the results: one commit (a WAL flush) and one lock of each hot
// workflow row serve many requests instead of one each.
//
// Adaptive: under load, one flush at a time leaves the database idle while the flush travels
// between process and database, and makes the last request of a group wait for a whole flush
// before its own. So a further flush starts alongside the running ones (up to maxInFlight) as
// soon as a group as large as the recent ones has formed; when requests come slower than
// flushes finish, that never happens and it is plain group commit.
import { MAX_EVENTS_PER_BATCH } from "./event-schema";
import { ingestEvents, type IngestContext, type IngestResult } from "./service";

type Waiting = { events: readonly unknown[]; resolve(results: IngestResult[]): void; reject(err: unknown): void };
type Queue = { waiting: Waiting[]; queuedEvents: number; inFlight: number; typicalGroup: number };

export type Ingest = (ctx: IngestContext, input: { events: readonly unknown[] }) => Promise<IngestResult[]>;

export type CoalescerOptions = { maxEvents?: number; maxInFlight?: number };

/** Concurrent flushes per organization: two overlap one flush's round trips with the next one's work; more only contend for the same hot rows (measured: scripts/bench-ingest.ts --direct --coalesce --in-flight N). */
export const DEFAULT_MAX_IN_FLIGHT = 2;
/** A further flush needs at least this many events queued: a smaller one is not worth its commit. */
const MIN_EXTRA_GROUP = 4;

/** Should a flush start now? Pure, so the policy can be tested on its own. */
export function shouldFlush(q: { inFlight: number; queuedEvents: number; typicalGroup: number }, maxInFlight: number): boolean {
  if (q.queuedEvents === 0) return false;
  if (q.inFlight === 0) return true;
  return q.inFlight < maxInFlight && q.queuedEvents >= Math.max(MIN_EXTRA_GROUP, q.typicalGroup);
}

/** The running estimate of a group's size: a moving average of the groups flushed. */
export function nextTypicalGroup(typical: number, group: number): number {
  return typical + (group - typical) / 4;
}

export function createCoalescer(ingest: Ingest = ingestEvents, options: CoalescerOptions = {}) {
  const maxEvents = options.maxEvents ?? MAX_EVENTS_PER_BATCH;
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const queues = new Map<string, Queue>();

  function take(queue: Queue): Waiting[] {
    // requests in arrival order up to maxEvents (always at least one)
    let count = 0;
    let events = 0;
    while (count < queue.waiting.length && (count === 0 || events + queue.waiting[count]!.events.length <= maxEvents)) {
      events += queue.waiting[count]!.events.length;
      count++;
    }
    queue.queuedEvents -= events;
    queue.typicalGroup = nextTypicalGroup(queue.typicalGroup, events);
    return queue.waiting.splice(0, count);
  }

  async function flush(orgId: string, queue: Queue): Promise<void> {
    queue.inFlight++;
    try {
      const group = take(queue);
      try {
        const results = await ingest({ orgId }, { events: group.flatMap((w) => w.events) });
        let offset = 0;
        for (const w of group) {
          w.resolve(results.slice(offset, offset + w.events.length));
          offset += w.events.length;
        }
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    } finally {
      queue.inFlight--;
      if (queue.waiting.length) void flush(orgId, queue);
      else if (queue.inFlight === 0) queues.delete(orgId);
    }
  }

  return function ingestCoalesced(ctx: IngestContext, input: { events: readonly unknown[] }): Promise<IngestResult[]> {
    const { orgId } = ctx;
    const { events } = input;
    return new Promise((resolve, reject) => {
      let queue = queues.get(orgId);
      if (!queue) {
        queue = { waiting: [], queuedEvents: 0, inFlight: 0, typicalGroup: 1 };
        queues.set(orgId, queue);
      }
      queue.waiting.push({ events, resolve, reject });
      queue.queuedEvents += events.length;
      if (shouldFlush(queue, maxInFlight)) void flush(orgId, queue);
    });
  };
}

const globalForCoalescer = globalThis as unknown as { runwatchIngest?: Ingest };

/**
 * The process's coalescing ingestion, used by POST /api/v1/events: requests of one organization
 * share a transaction, so only ctx.orgId counts (ctx.client is never joined).
 */
export function ingestCoalesced(ctx: IngestContext, input: { events: readonly unknown[] }): Promise<IngestResult[]> {
  globalForCoalescer.runwatchIngest ??= createCoalescer();
  return globalForCoalescer.runwatchIngest(ctx, input);
}
