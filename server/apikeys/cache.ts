// API-key lookups, cached per process. Every /api/v1 request authenticates its key, and the
// lookup was a round trip of its own on the pool (a fifth of a single-event ingestion).
//
// Revocation stays immediate: a trigger on api_keys (migration 20261201132000) announces every
// change that can refuse a key on API_KEY_CHANNEL, whoever makes it (settings page, CLI, plain
// SQL), and this process LISTENs on a connection of its own and drops the key at once. Nothing is
// served from the cache while that connection is not listening (at start, after it drops), and
// the cache is emptied whenever listening (re)starts, since announcements may have been missed
// meanwhile. An entry also expires after TTL_MS: a bound should an announcement ever be lost.
import pg from "pg";
import { log } from "../log";
import { API_KEY_CHANNEL, listenForKeyChanges } from "./queries";
/** The listening connection's application_name, so it can be told apart in pg_stat_activity. */
export const LISTENER_NAME = "runwatch api-key cache";
const TTL_MS = 60_000;
/** After the listening connection fails, wait this long before connecting again. */
const RETRY_MS = 1_000;

export type CachedKey<P> = { principal: P; lastUsedAt: Date | null };
type Entry<P> = CachedKey<P> & { keyId: string; expiresAt: number };

export class ApiKeyCache<P> {
  private byHash = new Map<string, Entry<P>>();
  private client: pg.Client | null = null;
  private listening = false;
  private retryAt = 0;
  /** bumped by every eviction: a lookup that began before one must not cache its answer */
  private epoch = 0;
  private announced = new Map<string, Array<() => void>>();

  constructor(
    private readonly connectionString: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached key, or undefined (also whenever the cache cannot be trusted). */
  get(hash: string): CachedKey<P> | undefined {
    if (!this.listening) {
      this.start();
      return undefined;
    }
    const entry = this.byHash.get(hash);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.byHash.delete(hash);
      return undefined;
    }
    return entry;
  }

  /** Marks the start of a database lookup; pass the mark to set(). */
  mark(): number {
    return this.epoch;
  }

  set(hash: string, keyId: string, value: CachedKey<P>, mark: number): void {
    // a key evicted while its lookup was in flight may have been revoked after the lookup read it
    if (!this.listening || mark !== this.epoch) return;
    this.byHash.set(hash, { ...value, keyId, expiresAt: this.now() + TTL_MS });
  }

  /** Drops a key (by id) from this process's cache. */
  evict(keyId: string): void {
    this.epoch++;
    for (const [hash, entry] of this.byHash) if (entry.keyId === keyId) this.byHash.delete(hash);
  }

  /**
   * Resolves once this process has received the announcement of a change to keyId (or after
   * timeoutMs): every listening process is told at the same commit, so a revocation that waits
   * for it returns when the other processes refuse the key too.
   */
  announcement(keyId: string, timeoutMs = 2_000): Promise<void> {
    if (!this.listening) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      const list = this.announced.get(keyId) ?? [];
      this.announced.set(keyId, list);
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
    return this.byHash.size;
  }

  private start(): void {
    if (this.client || this.now() < this.retryAt) return;
    const client = new pg.Client({ connectionString: this.connectionString(), connectionTimeoutMillis: 5_000, application_name: LISTENER_NAME });
    this.client = client;
    const fail = (err: Error | null) => {
      if (this.client !== client) return;
      if (err) log.warn({ err: err.message }, "api-key cache: listening connection lost; keys are looked up in the database until it is back");
      this.stopListening();
      this.retryAt = this.now() + RETRY_MS;
      client.end().catch(() => {});
    };
    client.on("error", fail);
    client.on("end", () => fail(null));
    client.on("notification", (msg) => {
      if (msg.channel !== API_KEY_CHANNEL || !msg.payload) return;
      this.evict(msg.payload);
      for (const done of this.announced.get(msg.payload) ?? []) done();
      this.announced.delete(msg.payload);
    });
    client
      .connect()
      .then(() => {
        // the listening connection must not keep a CLI or a test process alive
        (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
        return listenForKeyChanges(client);
      })
      .then(() => {
        if (this.client !== client) return;
        this.byHash.clear();
        this.epoch++;
        this.listening = true;
      })
      .catch((err: Error) => fail(err));
  }

  private stopListening(): void {
    this.listening = false;
    this.client = null;
    this.byHash.clear();
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
