// API-key lookups, cached per process (server/db/announced-cache.ts): the api_keys trigger
// (migration 20261201132000) announces a changed key's id, and every process drops it at once.
import { AnnouncedCache } from "../db/announced-cache";
import { API_KEY_CHANNEL, listenForKeyChanges } from "./queries";

/** The listening connection's application_name, so it can be told apart in pg_stat_activity. */
export const LISTENER_NAME = "runwatch api-key cache";

export type CachedKey<P> = { principal: P; lastUsedAt: Date | null };

/** A cache of keys by hash, each entry tagged with its key's id. */
export const newApiKeyCache = <P>(connectionString: () => string) =>
  new AnnouncedCache<CachedKey<P>>({ channel: API_KEY_CHANNEL, listen: listenForKeyChanges, listenerName: LISTENER_NAME, what: "api-key", ttlMs: 60_000, connectionString });
export type ApiKeyCache<P> = AnnouncedCache<CachedKey<P>>;
