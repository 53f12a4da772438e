// The Runwatch client: send() queues and returns at once; one sender loop batches the queue
// (up to 1,000 events or 100 ms), posts batches one at a time in queue order (so the events of
// an execution arrive in the order they were sent), and retries a batch until Runwatch answers
// it. Nothing here throws into the caller's job: problems go to the `logger` callback and the
// counters of stats().
import { randomUUID } from "node:crypto";
import type { EventResult, EventsResponse, RunwatchEvent } from "./api-types.js";
import { deriveEventId } from "./event-id.js";
import { backoffMs, isRetryableStatus, rateLimitPauseMs, retryAfterMs } from "./retry.js";
import { type Segment, Spool } from "./spool.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type Logger = (level: LogLevel, message: string, details?: Record<string, unknown>) => void;

/** An event as send() takes it: §3's shape, eventId and occurredAt optional. */
export type SendEvent = Omit<RunwatchEvent, "eventId" | "occurredAt"> & { eventId?: string; occurredAt?: string | Date };

export type RunwatchOptions = {
  /** Runwatch's base URL; default RUNWATCH_URL. */
  url?: string;
  /** An API key (rw_…); default RUNWATCH_API_KEY. */
  apiKey?: string;
  /** Most events held in memory; past it send() drops the event and counts it. Default 100,000. */
  maxQueueSize?: number;
  /** Most events per request (Runwatch accepts 1–1000). Default 1,000. */
  maxBatchSize?: number;
  /** How long the first queued event waits for company before its batch is sent. Default 100 ms. */
  batchIntervalMs?: number;
  /** A folder where queued events are kept until answered, so they survive a restart. */
  spoolDir?: string;
  /** Backoff between retries: full jitter up to baseMs·2^n, capped at maxMs. Default 200 ms / 10 s. */
  retry?: { baseMs?: number; maxMs?: number };
  /** Per request. Default 15 s. */
  requestTimeoutMs?: number;
  /** How long close() (and SIGTERM) waits for the queue to drain. Default 10 s. */
  closeTimeoutMs?: number;
  /** Flush on SIGTERM and beforeExit. Default true. */
  handleProcessExit?: boolean;
  /** Where log lines go; nothing is logged by default. */
  logger?: Logger;
  /** For tests and proxies: the fetch to use. */
  fetch?: typeof fetch;
};

export type RunwatchStats = {
  /** events waiting to be sent (in memory, including those already in the spool) */
  queued: number;
  /** events Runwatch answered (any outcome) */
  delivered: number;
  /** answered `invalid`: Runwatch refused their shape; see the logger for the reason */
  invalid: number;
  /** never delivered: queue full, refused request (401, 400, 413), or still queued at close() without a spool */
  dropped: number;
  /** requests that were retried */
  retries: number;
  /** requests sent */
  requests: number;
};

type Pending = { raw: SendEvent; at: number };
type Ready = { json: string; segment?: Segment };

const MAX_BODY_BYTES = 1024 * 1024 - 1024; // Runwatch's limit, less room for the wrapper
const MAX_FIELD_BYTES = 64 * 1024;
const USER_AGENT = "@runwatch/node/0.1.0";

const noop: Logger = () => {};

function envVar(name: string): string | undefined {
  return typeof process !== "undefined" ? process.env[name] : undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** An Error (or anything thrown) as §3's error object. */
export function errorOf(err: unknown): { message: string; code?: string | number; stack?: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      message: (err.message || err.name || "Error").slice(0, MAX_FIELD_BYTES),
      ...(typeof code === "string" || typeof code === "number" ? { code: typeof code === "string" ? code.slice(0, 200) : code } : {}),
      ...(err.stack ? { stack: err.stack.slice(0, MAX_FIELD_BYTES) } : {}),
    };
  }
  return { message: (typeof err === "string" ? err : JSON.stringify(err) ?? String(err)).slice(0, MAX_FIELD_BYTES) };
}

/** A JSON value Runwatch can keep (≤ 64 KiB), else a note that says why it is missing. */
export function jsonField(value: unknown): unknown {
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return { unserializable: true };
  }
  if (text === undefined) return undefined;
  const bytes = Buffer.byteLength(text, "utf8");
  return bytes > MAX_FIELD_BYTES ? { truncated: true, bytes } : JSON.parse(text);
}

export type TrackOptions = {
  workflow: string;
  executionId?: string;
  metadata?: Record<string, string>;
  /** Heartbeat every this many ms while the function runs. Default 30,000; 0 turns them off. */
  heartbeatMs?: number;
  input?: unknown;
  attempt?: number;
};

export type Run = {
  readonly executionId: string;
  readonly workflow: string;
  /** A heartbeat now (on top of the timer's). */
  heartbeat(): void;
};

export class Runwatch {
  readonly url: string;
  private readonly apiKey: string;
  private readonly opts: Required<Pick<RunwatchOptions, "maxQueueSize" | "maxBatchSize" | "batchIntervalMs" | "requestTimeoutMs" | "closeTimeoutMs">> & {
    retry: { baseMs: number; maxMs: number };
  };
  private readonly log: Logger;
  private readonly fetchImpl: typeof fetch;
  private readonly spool: Spool | undefined;

  private pending: Pending[] = [];
  private ready: Ready[] = [];
  /** events queued so far, and events answered or dropped so far: flush() waits for the second to reach the first */
  private enqueued = 0;
  private finished = 0;
  private readonly counters = { delivered: 0, invalid: 0, dropped: 0, retries: 0, requests: 0 };
  private waiters: { target: number; resolve: () => void }[] = [];
  private wake: (() => void) | undefined;
  private flushRequested = false;
  private closed = false;
  private readonly stopping = new AbortController();
  private readonly loop: Promise<void>;
  /** the spool's leftovers are queued (flush() counts them) */
  private readonly recovered: Promise<void>;
  private notBefore = 0;
  private readonly onSigterm?: () => void;
  private readonly onBeforeExit?: () => void;

  constructor(options: RunwatchOptions = {}) {
    const url = options.url ?? envVar("RUNWATCH_URL");
    const apiKey = options.apiKey ?? envVar("RUNWATCH_API_KEY");
    if (!url) throw new Error("Runwatch: no url; pass { url } or set RUNWATCH_URL");
    if (!apiKey) throw new Error("Runwatch: no apiKey; pass { apiKey } or set RUNWATCH_API_KEY");
    this.url = url.replace(/\/+$/, "");
    this.apiKey = apiKey;
    this.opts = {
      maxQueueSize: options.maxQueueSize ?? 100_000,
      maxBatchSize: Math.min(1000, Math.max(1, options.maxBatchSize ?? 1000)),
      batchIntervalMs: options.batchIntervalMs ?? 100,
      requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
      closeTimeoutMs: options.closeTimeoutMs ?? 10_000,
      retry: { baseMs: options.retry?.baseMs ?? 200, maxMs: options.retry?.maxMs ?? 10_000 },
    };
    this.log = options.logger ?? noop;
    this.fetchImpl = options.fetch ?? fetch;
    this.spool = options.spoolDir ? new Spool(options.spoolDir, (message, err) => this.log("error", message, { err: String(err) })) : undefined;
    this.recovered = this.recoverSpool().catch((err) => this.log("error", "Runwatch: could not read the spool", { err: String(err) }));
    this.loop = this.run().catch((err) => this.log("error", "Runwatch sender stopped on an unexpected error", { err: String(err) }));

    if (options.handleProcessExit !== false && typeof process !== "undefined") {
      // the event loop is empty: the program is done, so send what is left and stop
      this.onBeforeExit = () => {
        if (!this.closed) void this.close();
      };
      // A SIGTERM listener replaces Node's default (exit); when ours is the only one, we exit
      // after closing, as the process would have without us.
      this.onSigterm = () => {
        void this.close().finally(() => {
          if (process.listenerCount("SIGTERM") === 0) process.kill(process.pid, "SIGTERM");
        });
      };
      process.on("beforeExit", this.onBeforeExit);
      process.once("SIGTERM", this.onSigterm);
    }
  }

  /** Queues one event and returns at once; never throws. */
  send(event: SendEvent): void {
    if (this.closed) {
      this.drop(1, "send() after close()");
      return;
    }
    if (this.pending.length + this.ready.length >= this.opts.maxQueueSize) {
      this.drop(1, "queue full");
      return;
    }
    this.pending.push({ raw: event, at: Date.now() });
    this.enqueued++;
    // the first event opens the 100 ms window; a full batch (or the spool) goes at once
    const queued = this.pending.length + this.ready.length;
    if (queued === 1 || queued >= this.opts.maxBatchSize || this.spool) this.wake?.();
  }

  /** Resolves when every event queued before the call has been answered (or dropped). */
  async flush(): Promise<void> {
    await this.recovered;
    const target = this.enqueued;
    if (this.finished >= target) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ target, resolve });
      this.flushRequested = true;
      this.wake?.();
    });
  }

  /**
   * Flushes, then stops. Events still unanswered after closeTimeoutMs stay in the spool (when
   * there is one) for the next process, or are counted as dropped.
   */
  async close(): Promise<void> {
    if (this.closed) return this.loop;
    this.closed = true;
    if (this.onSigterm) process.removeListener("SIGTERM", this.onSigterm);
    if (this.onBeforeExit) process.removeListener("beforeExit", this.onBeforeExit);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      this.flush().then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), this.opts.closeTimeoutMs))),
    ]);
    clearTimeout(timer);
    this.stopping.abort();
    this.wake?.();
    await this.loop;
    if (timedOut) {
      if (this.spool) await this.prepare();
      const left = this.pending.length + this.ready.length;
      if (this.spool) {
        // stats() still counts them as queued: they are, on disk
        this.log("warn", `Runwatch did not answer within ${this.opts.closeTimeoutMs} ms; ${left} event(s) stay in the spool for the next start`, { spoolDir: this.spool.dir });
      } else {
        this.drop(left, `unanswered at close() after ${this.opts.closeTimeoutMs} ms`);
        this.pending = [];
        this.ready = [];
      }
      this.settleWaiters(true);
    }
  }

  stats(): RunwatchStats {
    return { queued: this.pending.length + this.ready.length, ...this.counters };
  }

  /**
   * Runs `fn` as one execution: RUNNING, heartbeats while it runs, then COMPLETED with its
   * return value as output, or FAILED with what it threw (which is rethrown).
   */
  async track<T>(options: TrackOptions, fn: (run: Run) => Promise<T> | T): Promise<T> {
    const executionId = options.executionId ?? randomUUID();
    const attempt = options.attempt ?? 1;
    const base = { executionId, attempt };
    this.send({
      ...base,
      workflow: options.workflow,
      status: "RUNNING",
      ...(options.metadata ? { metadata: options.metadata } : {}),
      ...(options.input !== undefined ? { input: jsonField(options.input) } : {}),
    });
    const heartbeat = () => this.send({ ...base, type: "heartbeat" });
    const every = options.heartbeatMs ?? 30_000;
    const timer = every > 0 ? setInterval(heartbeat, every) : undefined;
    timer?.unref?.();
    try {
      const result = await fn({ executionId, workflow: options.workflow, heartbeat });
      this.send({ ...base, workflow: options.workflow, status: "COMPLETED", ...(result !== undefined ? { output: jsonField(result) } : {}) });
      return result;
    } catch (err) {
      this.send({ ...base, workflow: options.workflow, status: "FAILED", error: errorOf(err) });
      throw err;
    } finally {
      clearInterval(timer);
    }
  }

  // ── the sender loop ────────────────────────────────────────────────────────────────────

  private drop(count: number, why: string): void {
    if (count <= 0) return;
    this.counters.dropped += count;
    this.log(count > 1 || why !== "queue full" ? "error" : "warn", `Runwatch: dropped ${count} event(s): ${why}`, { dropped: this.counters.dropped });
  }

  private settleWaiters(all = false): void {
    if (!this.waiters.length) return;
    this.waiters = this.waiters.filter((w) => {
      if (all || this.finished >= w.target) {
        w.resolve();
        return false;
      }
      return true;
    });
    if (!this.waiters.length) this.flushRequested = false;
  }

  /** Pending events get their eventId and occurredAt fixed, become JSON, and enter the spool. */
  private async prepare(): Promise<void> {
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    const prepared: Ready[] = batch.map(({ raw, at }) => {
      const occurredAt = raw.occurredAt instanceof Date ? raw.occurredAt.toISOString() : raw.occurredAt;
      const event: Record<string, unknown> = { ...raw, ...(occurredAt !== undefined ? { occurredAt } : {}) };
      // Heartbeats may go without an eventId (§3); status events get one derived from what was
      // given, before occurredAt is defaulted, so sending the same event twice is one event.
      if (event.eventId === undefined && event.type !== "heartbeat") event.eventId = deriveEventId(event);
      if (event.occurredAt === undefined) event.occurredAt = new Date(at).toISOString();
      return { json: JSON.stringify(event) };
    });
    if (this.spool) {
      try {
        const segment = await this.spool.append(prepared.map((r) => r.json));
        for (const r of prepared) r.segment = segment;
      } catch (err) {
        this.log("error", "Runwatch: could not write to the spool; these events are kept in memory only", { err: String(err), count: prepared.length });
      }
    }
    this.ready.push(...prepared);
  }

  private waitForWork(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = ms === Infinity ? undefined : setTimeout(done, ms);
      // an idle sender must not keep the process alive; beforeExit flushes what is left
      timer?.unref?.();
      this.wake = done;
    });
  }

  private async recoverSpool(): Promise<void> {
    if (this.spool) {
      for (const { segment, lines } of await this.spool.recover()) {
        for (const json of lines) {
          this.ready.push({ json, segment });
          segment.outstanding++;
          this.enqueued++;
        }
      }
      if (this.ready.length) this.log("info", `Runwatch: resending ${this.ready.length} event(s) from the spool`, { spoolDir: this.spool.dir });
    }
  }

  private async run(): Promise<void> {
    await this.recovered;
    let firstQueuedAt = 0;
    while (!this.stopping.signal.aborted) {
      const queued = this.pending.length + this.ready.length;
      if (queued === 0) {
        firstQueuedAt = 0;
        await this.waitForWork(Infinity);
        continue;
      }
      if (!firstQueuedAt) firstQueuedAt = Date.now();
      const due = firstQueuedAt + this.opts.batchIntervalMs - Date.now();
      if (queued < this.opts.maxBatchSize && !this.flushRequested && !this.closed && due > 0) {
        if (this.spool) await this.prepare(); // on disk within one interval, not when sent
        await this.waitForWork(due);
        continue;
      }
      const pause = this.notBefore - Date.now();
      if (pause > 0) {
        await sleep(pause, this.stopping.signal);
        continue;
      }
      await this.prepare();
      firstQueuedAt = 0;
      await this.deliverOne();
    }
  }

  /** Takes the head of the queue (≤ maxBatchSize events, ≤ 1 MiB) and sends it until answered. */
  private async deliverOne(): Promise<void> {
    let count = 0;
    let bytes = 12;
    while (count < this.ready.length && count < this.opts.maxBatchSize) {
      const size = Buffer.byteLength(this.ready[count]!.json, "utf8") + 1;
      if (count > 0 && bytes + size > MAX_BODY_BYTES) break;
      bytes += size;
      count++;
    }
    const batch = this.ready.slice(0, count);
    const outcome = await this.post(batch);
    if (outcome === "stopped") return;
    this.ready.splice(0, count);
    this.finished += count;
    if (outcome === "dropped") this.counters.dropped += count;
    else this.counters.delivered += count;
    if (this.spool) {
      const bySegment = new Map<Segment, number>();
      for (const r of batch) if (r.segment) bySegment.set(r.segment, (bySegment.get(r.segment) ?? 0) + 1);
      for (const [segment, n] of bySegment) await this.spool.settle(segment, n);
    }
    this.settleWaiters();
  }

  /** Posts one batch, retrying until Runwatch answers it; "stopped" when close() gave up waiting. */
  private async post(batch: Ready[]): Promise<"delivered" | "dropped" | "stopped"> {
    const body = `{"events":[${batch.map((r) => r.json).join(",")}]}`;
    for (let retry = 0; ; retry++) {
      if (this.stopping.signal.aborted) return "stopped";
      let wait = 0;
      let why = "";
      const timeout = AbortSignal.timeout(this.opts.requestTimeoutMs);
      try {
        this.counters.requests++;
        const res = await this.fetchImpl(`${this.url}/api/v1/events`, {
          method: "POST",
          headers: { authorization: `Bearer ${this.apiKey}`, "content-type": "application/json", "user-agent": USER_AGENT },
          body,
          signal: AbortSignal.any([timeout, this.stopping.signal]),
        });
        const pauseMs = rateLimitPauseMs(res.headers);
        if (pauseMs > 0) this.notBefore = Date.now() + pauseMs;
        if (res.ok) {
          const answer = (await res.json()) as EventsResponse;
          this.report(answer.results ?? []);
          return "delivered";
        }
        const text = await res.text().catch(() => "");
        if (isRetryableStatus(res.status) || res.status >= 500) {
          // 500 is a bug in Runwatch, not in the batch: retried like the others, since the
          // order of later events depends on this batch going first
          wait = Math.max(retryAfterMs(res.headers.get("retry-after")) ?? 0, pauseMs);
          why = `HTTP ${res.status}`;
        } else if (res.status === 413 && batch.length > 1) {
          const half = Math.ceil(batch.length / 2);
          const first = await this.post(batch.slice(0, half));
          if (first === "stopped") return first;
          return this.post(batch.slice(half));
        } else {
          this.log("error", `Runwatch refused a batch of ${batch.length} event(s) with HTTP ${res.status}; they are dropped`, { status: res.status, body: text.slice(0, 500) });
          return "dropped";
        }
      } catch (err) {
        if (this.stopping.signal.aborted) return "stopped";
        why = timeout.aborted ? `no answer within ${this.opts.requestTimeoutMs} ms` : `network error: ${(err as Error).cause ?? (err as Error).message}`;
      }
      this.counters.retries++;
      const delay = backoffMs(retry, this.opts.retry, wait);
      this.log(retry === 0 ? "warn" : "debug", `Runwatch: ${why}; retrying ${batch.length} event(s) in ${delay} ms`, { retry: retry + 1, delayMs: delay });
      await sleep(delay, this.stopping.signal);
    }
  }

  private report(results: EventResult[]): void {
    for (const r of results) {
      if (r.outcome === "invalid") {
        this.counters.invalid++;
        this.log("warn", `Runwatch answered an event invalid: ${r.reason ?? "no reason given"}`, { eventId: r.eventId });
      } else if (r.outcome === "rejected" || r.outcome === "stale") {
        this.log("debug", `Runwatch kept an event as ${r.outcome}: ${r.reason ?? ""}`, { eventId: r.eventId });
      }
    }
  }
}
