// Leader election for the monitor: whoever holds a PostgreSQL session-level advisory lock on a
// dedicated connection is the leader. The lock lives exactly as long as that session, so a leader
// that dies (process killed, connection lost) releases it at once and a follower's next try wins.
// The leader runs its sweeps on that same connection, so a write can only succeed while the lock
// is held; each sweep also re-checks pg_locks and its token in monitor_leases (fencing).
// It needs a session of its own: through a transaction pooler (PgBouncer) clients share server
// sessions and two leases would both hold the lock, so the monitor connects through
// RUNWATCH_MONITOR_DATABASE_URL (sessionDatabaseUrl() in server/config.ts) when that is set.
import os from "node:os";
import pg from "pg";
import { PG_TYPES } from "../db/types";
import { log } from "../log";
import { advisoryLockHeld, advisoryUnlock, recordTakeover, renewLease, setIdleSessionTimeout, tryAdvisoryLock } from "./queries";

/** Two-int advisory lock key ("RW", "MON"): shows up in pg_locks as classid/objid, objsubid 2. */
export const MONITOR_LOCK_KEY: readonly [number, number] = [0x5257, 0x4d4f4e];

export type LeaseOptions = {
  databaseUrl: string;
  name?: string;
  holder?: string;
  lockKey?: readonly [number, number];
  /**
   * The server drops the leader's session when it has been idle this long (idle_session_timeout),
   * so a leader cut off by the network cannot hold the lock for ever. Must exceed the interval.
   */
  idleSessionTimeoutMs: number;
};

export class LeaderLease {
  readonly name: string;
  readonly holder: string;
  private readonly key: readonly [number, number];
  private client: pg.Client | null = null;
  private leader = false;
  private token: string | null = null;

  constructor(private readonly opts: LeaseOptions) {
    this.name = opts.name ?? "monitor";
    this.holder = opts.holder ?? `${os.hostname()}:${process.pid}`;
    this.key = opts.lockKey ?? MONITOR_LOCK_KEY;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  get fencingToken(): string | null {
    return this.token;
  }

  /**
   * Called every tick: re-checks the connection (and the lock, when leader) and otherwise tries to
   * take the lock. Returns the leader's connection, or null when another process leads.
   */
  async acquire(): Promise<pg.Client | null> {
    try {
      if (!this.client) await this.connect();
      const client = this.client!;
      if (this.leader) {
        if (await this.stillHeld(client)) return client;
        this.stepDown("the advisory lock is no longer held");
        return null;
      }
      if (!(await tryAdvisoryLock(client, this.key))) return null;
      this.token = await recordTakeover(client, this.name, this.holder);
      this.leader = true;
      log.info({ lease: this.name, holder: this.holder, token: this.token }, "monitor: became the leader");
      return client;
    } catch (err) {
      log.warn({ err: (err as Error).message, lease: this.name }, "monitor: lease connection failed; reconnecting next tick");
      await this.dropConnection();
      return null;
    }
  }

  /** The leader checks, inside its sweep's transaction, that its token is still the current one. */
  async renewWithin(client: pg.ClientBase): Promise<boolean> {
    return renewLease(client, { name: this.name, token: this.token, holder: this.holder });
  }

  async stillHeld(client: pg.ClientBase): Promise<boolean> {
    return advisoryLockHeld(client, this.key);
  }

  stepDown(why: string): void {
    if (this.leader) log.warn({ lease: this.name, holder: this.holder, why }, "monitor: no longer the leader");
    this.leader = false;
    this.token = null;
    // the session may still hold the lock: drop it so another process can lead cleanly
    void this.dropConnection();
  }

  async release(): Promise<void> {
    const client = this.client;
    if (client && this.leader) await advisoryUnlock(client, this.key).catch(() => {});
    this.leader = false;
    this.token = null;
    await this.dropConnection();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.databaseUrl, types: PG_TYPES, keepAlive: true, keepAliveInitialDelayMillis: 5_000, application_name: `runwatch-monitor ${this.holder}` });
    client.on("error", (err) => {
      log.warn({ err: err.message, lease: this.name }, "monitor: lease connection error");
      if (this.client === client) {
        this.leader = false;
        this.token = null;
        this.client = null;
      }
    });
    await client.connect();
    await setIdleSessionTimeout(client, this.opts.idleSessionTimeoutMs);
    this.client = client;
  }

  private async dropConnection(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.leader = false;
    if (client) await client.end().catch(() => {});
  }
}
