// The delivery worker: takes due notifications from the outbox (FOR UPDATE SKIP LOCKED, so any
// number of workers share the work without sending one twice), sends them with a timeout, logs
// every attempt, and schedules retries with backoff. It runs on its own timer and its own
// connections, apart from the monitor's sweep and from ingestion.
import { pool } from "../db/client";
import { withTransaction } from "../db/transaction";
import { metrics } from "../metrics/prometheus";
import { log } from "../log";
import type { Message } from "./payload";
import { send, type AttemptResult } from "./senders";
import { nextStep, type BackoffPolicy } from "./backoff";
import { claimDue, insertAttempt, settleNotification, type ClaimedRow } from "./queries";

export type DeliveryOptions = {
  pollMs: number;
  concurrency: number;
  timeoutMs: number;
  backoff: BackoffPolicy;
  smtpUrl?: string;
  smtpFrom: string;
  random?: () => number;
  /**
   * only these organizations' notifications (tests: every test file shares one database, and a
   * worker of another file must not deliver this file's messages); all of them when unset
   */
  orgIds?: readonly string[];
};

/** A claimed notification; its payload is the Message the outbox queued (written by enqueue, never by hand). */
type Claimed = Omit<ClaimedRow, "payload"> & { payload: Message };

export class DeliveryWorker {
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private readonly inFlight = new Set<Promise<void>>();
  private polling: Promise<void> | null = null;

  constructor(private readonly opts: DeliveryOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.polling;
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll()
        .then((claimedFull) => (claimedFull ? 0 : this.opts.pollMs))
        .catch((err) => {
          log.error({ err: (err as Error).message }, "delivery: poll failed");
          return this.opts.pollMs;
        })
        .then((next) => {
          this.polling = null;
          this.schedule(next);
        });
    }, delayMs);
  }

  /** Claims as many due notifications as there are free slots; true when it filled them all. */
  private async poll(): Promise<boolean> {
    const free = this.opts.concurrency - this.inFlight.size;
    if (free <= 0) return false;
    const claimed = await this.claim(free);
    for (const n of claimed) {
      const p = this.deliver(n)
        .catch((err) => log.error({ err: (err as Error).message, notificationId: n.id }, "delivery: recording an attempt failed"))
        .finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
    return claimed.length === free;
  }

  /**
   * Takes up to `limit` due notifications. The claim pushes nextAttemptAt past the send timeout,
   * so a worker that dies mid-send leaves the row to be retried by another after that, and no
   * transaction stays open while a receiver is slow.
   */
  async claim(limit: number): Promise<Claimed[]> {
    const claimSeconds = Math.ceil((this.opts.timeoutMs * 2) / 1000) + 30;
    return (await claimDue(pool(), limit, claimSeconds, this.opts.orgIds ?? null)).map((r) => ({ ...r, payload: r.payload as Message }));
  }

  /** Runs until nothing is due (tests and scripts); returns the number of attempts made. */
  async drain(maxRounds = 100): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxRounds; i++) {
      const claimed = await this.claim(this.opts.concurrency);
      if (claimed.length === 0) break;
      await Promise.all(claimed.map((n) => this.deliver(n)));
      total += claimed.length;
    }
    return total;
  }

  private async deliver(n: Claimed): Promise<void> {
    const at = new Date();
    let result: AttemptResult;
    if (!n.channelType) result = { ok: false, gone: true, statusCode: null, latencyMs: 0, error: "the channel was deleted" };
    else if (n.disabledAt) result = { ok: false, gone: true, statusCode: null, latencyMs: 0, error: "the channel is disabled" };
    else {
      result = await send({ id: n.channelId, type: n.channelType, name: n.channelName ?? "", config: n.config, secret: n.secret ?? "" }, n.messageId, n.payload, {
        timeoutMs: this.opts.timeoutMs,
        smtpUrl: this.opts.smtpUrl,
        smtpFrom: this.opts.smtpFrom,
      });
    }
    const step = nextStep(result, { attempts: n.attempts, createdAt: n.createdAt }, new Date(), this.opts.backoff, (this.opts.random ?? Math.random)());
    // result: delivered, retry (failed, will try again), failed (gave up) or gone (channel deleted/disabled)
    metrics().alertDeliveries.inc({ channel: n.channelType?.toLowerCase() ?? "deleted", result: step.kind === "give_up" ? "failed" : step.kind });
    log[result.ok ? "info" : "warn"](
      { notificationId: n.id, orgId: n.orgId, channelId: n.channelId, type: n.type, attempt: n.attempts, statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error, next: step.kind },
      "delivery: attempt",
    );
    await withTransaction(async (client) => {
      await insertAttempt(client, { orgId: n.orgId, notificationId: n.id, channelId: n.channelId, attempt: n.attempts, at, statusCode: result.statusCode, latencyMs: result.latencyMs, ok: result.ok, error: result.error });
      const state = step.kind === "delivered" ? "DELIVERED" : step.kind === "gone" ? "GONE" : step.kind === "give_up" ? "FAILED" : "PENDING";
      await settleNotification(client, n, state, step.kind === "retry" ? step.at : null, result.error);
    });
  }
}
