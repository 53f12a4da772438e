// A per-process cache whose entries a database trigger revokes: API-key lookups
// (server/apikeys/service.ts) and sign-in sessions (server/auth/session.ts). Every /api/v1
// request authenticates its key and every dashboard request its session, and each lookup was a
// round trip of its own (a fifth of a single-event ingestion; 4 ms of a 9 ms dashboard count).
//
// Revocation stays immediate: a trigger announces every change that can refuse an entry on the
// cache's channel, whoever makes it (settings page, CLI, sign-out, plain SQL), with a tag of what
// changed (a key's id, a session's or a user's), and this process LISTENs on a connection of its
// own and drops every entry carrying that tag at once. Nothing is served from the cache while
// that connection is not listening (at start, after it drops), and the cache is emptied whenever
// listening (re)starts, since announcements may have been missed meanwhile. An entry also expires
// after the cache's TTL (or its own earlier expiry): a bound should an announcement ever be lost.
import pg from "pg";
import type { Queryable } from "./sql";
import { log } from "../log";

/** After the listening connection fails, wait this long before connecting again. */
const RETRY_MS = 1_000;

export type AnnouncedCacheOptions = {
  /** the NOTIFY channel the trigger announces tags on */
  channel: string;
  /** subscribes a connection to the channel (the owning capability's LISTEN statement) */
  listen: (db: Queryable) => Promise<unknown>;
  /** the listening connection's application_name, so it can be told apart in pg_stat_activity */
  listenerName: string;
  /** what is cached, for the log line when listening stops */
  what: string;
  ttlMs: number;
  /** a direct PostgreSQL session (LISTEN does not survive transaction pooling) */
  connectionString: () => string;
  now?: () => number;
};

type Entry<V> = { value: V; tags: readonly string[]; expiresAt: number };

export class AnnouncedCache<V> {
  private byKey = new Map<string, Entry<V>>();
  private client: pg.Client | null = null;
  private listening = false;
  private retryAt = 0;
  /** bumped by every eviction: a lookup that began before one must not cache its answer */
  private epoch = 0;
  private announced = new Map<string, Array<() => void>>();
  private readonly now: () => number;

  constructor(private readonly opts: AnnouncedCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The cached value, or undefined (also whenever the cache cannot be trusted). */
  get(key: string): V | undefined {
    if (!this.listening) {
      this.start();
      return undefined;
    }
    const entry = this.byKey.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.byKey.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Marks the start of a database lookup; pass the mark to set(). */
  mark(): number {
    return this.epoch;
  }

  /** Caches what a lookup begun at `mark` found, revoked by any of `tags`, until `expiresAt` (ms) at the latest. */
  set(key: string, tags: readonly string[], value: V, mark: number, expiresAt = Infinity): void {
    // an entry evicted while its lookup was in flight may have been revoked after the lookup read it
    if (!this.listening || mark !== this.epoch) return;
    this.byKey.set(key, { value, tags, expiresAt: Math.min(expiresAt, this.now() + this.opts.ttlMs) });
  }

  /** Drops every entry carrying the tag from this process's cache. */
  evict(tag: string): void {
    this.epoch++;
    for (const [key, entry] of this.byKey) if (entry.tags.includes(tag)) this.byKey.delete(key);
  }

  /** Drops everything (a change whose tags this process cannot know). */
  clear(): void {
    this.epoch++;
    this.byKey.clear();
  }

  /**
   * Resolves once this process has received the announcement of the tag (or after timeoutMs):
   * every listening process is told at the same commit, so a revocation that waits for it
   * returns when the other processes refuse the entry too.
   */
  announcement(tag: string, timeoutMs = 2_000): Promise<void> {
    if (!this.listening) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      const list = this.announced.get(tag) ?? [];
      this.announced.set(tag, list);
      list.push(done);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }
  /** Starts listening (if it is not) and resolves true once it is, false when it cannot. */
  async ready(timeoutMs = 5_000): Promise<boolean> {
    const deadline = this.now() + timeoutMs;
    while (!this.listening && this.now() < deadline) {
      this.start();
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.listening;
  }

  get isListening(): boolean {
    return this.listening;
  }

  get size(): number {
    return this.byKey.size;
  }

  private start(): void {
    if (this.client || this.now() < this.retryAt) return;
    const client = new pg.Client({ connectionString: this.opts.connectionString(), connectionTimeoutMillis: 5_000, application_name: this.opts.listenerName });
    this.client = client;
    const fail = (err: Error | null) => {
      if (this.client !== client) return;
      if (err) log.warn({ err: err.message, cache: this.opts.listenerName }, `${this.opts.what} cache: listening connection lost; looked up in the database until it is back`);
      this.stopListening();
      this.retryAt = this.now() + RETRY_MS;
      client.end().catch(() => {});
    };
    client.on("error", fail);
    client.on("end", () => fail(null));
    client.on("notification", (msg) => {
      if (msg.channel !== this.opts.channel || !msg.payload) return;
      this.evict(msg.payload);
      for (const done of this.announced.get(msg.payload) ?? []) done();
      this.announced.delete(msg.payload);
    });
    client
      .connect()
      .then(() => {
        // the listening connection must not keep a CLI or a test process alive
        (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
        return this.opts.listen(client);
      })
      .then(() => {
        if (this.client !== client) return;
        this.byKey.clear();
        this.epoch++;
        this.listening = true;
      })
      .catch((err: Error) => fail(err));
  }

  private stopListening(): void {
    this.listening = false;
    this.client = null;
    this.byKey.clear();
    this.epoch++;
    for (const list of this.announced.values()) for (const done of list) done();
    this.announced.clear();
  }

  /** Closes the listening connection (tests, shutdown). */
  async close(): Promise<void> {
    const client = this.client;
    this.stopListening();
    this.retryAt = 0;
    await client?.end().catch(() => {});
  }
}
