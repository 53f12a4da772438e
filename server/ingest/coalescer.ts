// Group commit for ingestion: concurrent requests of one organization share a transaction.
// While a flush is running, new requests queue; the next flush applies all of them set-wise,
// in arrival order, and hands each request its own slice of the results. A lone request waits
// for nothing; under load, one commit (a WAL flush) and one lock of each hot workflow row serve
// many requests instead of one each.
import { MAX_EVENTS_PER_BATCH } from "./event-schema";
import { ingestEvents, type IngestResult } from "./service";

type Waiting = { events: readonly unknown[]; resolve(results: IngestResult[]): void; reject(err: unknown): void };
type Queue = { waiting: Waiting[]; flushing: boolean };

export type Ingest = (orgId: string, events: readonly unknown[]) => Promise<IngestResult[]>;

export function createCoalescer(ingest: Ingest = ingestEvents, maxEvents = MAX_EVENTS_PER_BATCH) {
  const queues = new Map<string, Queue>();

  async function flush(orgId: string, queue: Queue): Promise<void> {
    queue.flushing = true;
    try {
      while (queue.waiting.length) {
        // take requests in arrival order up to maxEvents (always at least one)
        let take = 0;
        let events = 0;
        while (take < queue.waiting.length && (take === 0 || events + queue.waiting[take]!.events.length <= maxEvents)) {
          events += queue.waiting[take]!.events.length;
          take++;
        }
        const group = queue.waiting.splice(0, take);
        try {
          const results = await ingest(orgId, group.flatMap((w) => w.events));
          let offset = 0;
          for (const w of group) {
            w.resolve(results.slice(offset, offset + w.events.length));
            offset += w.events.length;
          }
        } catch (err) {
          for (const w of group) w.reject(err);
        }
      }
    } finally {
      queue.flushing = false;
      queues.delete(orgId);
    }
  }

  return function ingestCoalesced(orgId: string, events: readonly unknown[]): Promise<IngestResult[]> {
    return new Promise((resolve, reject) => {
      let queue = queues.get(orgId);
      if (!queue) {
        queue = { waiting: [], flushing: false };
        queues.set(orgId, queue);
      }
      queue.waiting.push({ events, resolve, reject });
      if (!queue.flushing) void flush(orgId, queue);
    });
  };
}

const globalForCoalescer = globalThis as unknown as { runwatchIngest?: Ingest };

/** The process's coalescing ingestion, used by POST /api/v1/events. */
export function ingestCoalesced(orgId: string, events: readonly unknown[]): Promise<IngestResult[]> {
  globalForCoalescer.runwatchIngest ??= createCoalescer();
  return globalForCoalescer.runwatchIngest(orgId, events);
}
