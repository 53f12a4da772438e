// The simulator's sender loop: takes due sends from the scenario generator and delivers them
// through the public HTTP API only (batched POSTs, single POSTs, PUT status), backs off on 429
// Retry-After, and logs one summary line every 10 s.
import { ScenarioGenerator, type PlannedSend, type ScenarioOptions, type SimEvent } from "./scenario";

export type SenderOptions = {
  url: string;
  apiKey: string;
  scenario: Omit<ScenarioOptions, "startAt" | "stopStartingAt">;
  /** start executions for this many seconds, then let them finish; run until stop() otherwise */
  durationSeconds?: number;
  /** after durationSeconds, at most this long to deliver the rest of the started executions */
  drainSeconds?: number;
  /** at most this many requests in flight */
  concurrency?: number;
  /** events per batched POST at most */
  batchSize?: number;
  /** how long batched events may wait for company */
  batchWindowMs?: number;
  summaryEveryMs?: number;
  log?: (line: string) => void;
  now?: () => number;
};

export type SenderStats = {
  requests: { batch: number; single: number; put: number };
  events: number;
  outcomes: Record<string, number>;
  /** PUT answers that are not 200, by status code */
  putAnswers: Record<string, number>;
  errors: { http4xx: number; http5xx: number; network: number; rateLimited: number };
  executionsStarted: number;
  lastError: string | null;
};

const TICK_MS = 100;
const MAX_TRIES = 5;

type Request = { kind: "batch" | "single" | "put"; events: SimEvent[]; tries: number };

export class Sender {
  readonly stats: SenderStats = {
    requests: { batch: 0, single: 0, put: 0 },
    events: 0,
    outcomes: {},
    putAnswers: {},
    errors: { http4xx: 0, http5xx: 0, network: 0, rateLimited: 0 },
    executionsStarted: 0,
    lastError: null,
  };
  private readonly generator: ScenarioGenerator;
  private readonly queue: Request[] = [];
  private buffer: SimEvent[] = [];
  private bufferSince = 0;
  private inFlight = 0;
  private pausedUntil = 0;
  private stopping = false;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly base: string;
  private readonly startedAt: number;

  constructor(private readonly options: SenderOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((line) => console.log(line));
    this.base = options.url.replace(/\/+$/, "");
    this.startedAt = this.now();
    const stopStartingAt = options.durationSeconds !== undefined ? this.startedAt + options.durationSeconds * 1000 : undefined;
    this.generator = new ScenarioGenerator({ ...options.scenario, startAt: this.startedAt, stopStartingAt });
  }

  /** Asks the loop to finish: no new sends, the batch buffer is flushed, in-flight requests end. */
  stop(): void {
    this.stopping = true;
  }

  async run(): Promise<SenderStats> {
    const summaryEvery = this.options.summaryEveryMs ?? 10_000;
    let nextSummary = this.startedAt + summaryEvery;
    // a bounded run stops starting executions at its end, then delivers the rest of the ones it
    // started (bounded by drainSeconds), so it leaves no execution stuck that was not meant to be
    const startUntil = this.options.durationSeconds !== undefined ? this.startedAt + this.options.durationSeconds * 1000 : Infinity;
    const drainUntil = startUntil + (this.options.drainSeconds ?? 120) * 1000;
    while (!this.stopping && (this.now() < startUntil || (this.generator.pending > 0 && this.now() < drainUntil))) {
      const now = this.now();
      for (const send of this.generator.advance(now)) this.enqueue(send, now);
      if (this.buffer.length && (now - this.bufferSince >= (this.options.batchWindowMs ?? 250) || this.buffer.length >= this.batchSize)) this.flush();
      this.pump();
      if (now >= nextSummary) {
        this.log(this.summary("progress"));
        nextSummary += summaryEvery;
      }
      await sleep(TICK_MS);
    }
    this.flush();
    // let queued and in-flight requests end (bounded: a dead server must not hang shutdown)
    // after a signal, `npm start` waits 10 s before it kills its children
    const requestsUntil = this.now() + (this.stopping ? 5_000 : 15_000);
    while ((this.queue.length || this.inFlight) && this.now() < requestsUntil) {
      this.pump();
      await sleep(50);
    }
    const left = this.generator.pending;
    this.log(this.summary("final") + (left ? ` | ${left} planned sends not delivered (stopped)` : ""));
    return this.stats;
  }

  private get batchSize() {
    return this.options.batchSize ?? 200;
  }

  private enqueue(send: PlannedSend, now: number) {
    this.stats.executionsStarted = this.generator.executions.length;
    if (send.channel === "batch") {
      if (!this.buffer.length) this.bufferSince = now;
      this.buffer.push(send.event);
      if (this.buffer.length >= this.batchSize) this.flush();
      return;
    }
    this.queue.push({ kind: send.channel, events: [send.event], tries: 0 });
  }

  private flush() {
    if (!this.buffer.length) return;
    this.queue.push({ kind: "batch", events: this.buffer, tries: 0 });
    this.buffer = [];
  }

  private pump() {
    const limit = this.options.concurrency ?? 8;
    while (this.queue.length && this.inFlight < limit && this.now() >= this.pausedUntil) {
      const req = this.queue.shift()!;
      this.inFlight++;
      void this.send(req).finally(() => this.inFlight--);
    }
  }

  private async send(req: Request): Promise<void> {
    req.tries++;
    const { method, path, body } = this.describe(req);
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.options.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      this.stats.errors.network++;
      this.stats.lastError = `${method} ${path}: ${(err as Error).message}`;
      if (req.tries < MAX_TRIES) this.retryLater(req, 1000 * req.tries);
      return;
    }
    this.stats.requests[req.kind]++;
    if (res.status === 429) {
      this.stats.errors.rateLimited++;
      const seconds = Number(res.headers.get("retry-after") ?? "1");
      this.pausedUntil = Math.max(this.pausedUntil, this.now() + (Number.isFinite(seconds) ? seconds : 1) * 1000);
      await res.body?.cancel();
      // a 429 applied nothing: the same request goes again after the pause
      this.queue.unshift(req);
      return;
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // a non-JSON answer is counted by its status below
    }
    if (req.kind === "put") {
      this.stats.events++;
      if (res.status === 200) this.count((parsed as { outcome?: string } | null)?.outcome ?? "applied");
      else {
        this.stats.putAnswers[res.status] = (this.stats.putAnswers[res.status] ?? 0) + 1;
        if (res.status === 409) this.count("conflict");
        else this.httpError(res.status, method, path, text);
      }
      return;
    }
    const results = (parsed as { results?: { outcome: string }[] } | null)?.results;
    if ((res.status === 200 || res.status === 400) && Array.isArray(results)) {
      this.stats.events += results.length;
      for (const r of results) this.count(r.outcome);
      return;
    }
    this.httpError(res.status, method, path, text);
    if (res.status >= 500 && req.tries < MAX_TRIES) this.retryLater(req, 1000 * req.tries);
  }

  private describe(req: Request): { method: string; path: string; body: unknown } {
    if (req.kind === "batch") return { method: "POST", path: "/api/v1/events", body: { events: req.events } };
    const event = req.events[0]!;
    if (req.kind === "single") return { method: "POST", path: "/api/v1/events", body: event };
    const body: Record<string, unknown> = { status: event.status, occurredAt: event.occurredAt, eventId: event.eventId, attempt: event.attempt };
    if (event.error) body.error = event.error;
    if (event.output !== undefined) body.output = event.output;
    return { method: "PUT", path: `/api/v1/executions/${encodeURIComponent(event.executionId)}/status`, body };
  }

  private retryLater(req: Request, delayMs: number) {
    setTimeout(() => this.queue.push(req), delayMs);
  }

  private count(outcome: string) {
    this.stats.outcomes[outcome] = (this.stats.outcomes[outcome] ?? 0) + 1;
  }

  private httpError(status: number, method: string, path: string, text: string) {
    if (status >= 500) this.stats.errors.http5xx++;
    else this.stats.errors.http4xx++;
    this.stats.lastError = `${method} ${path} → ${status}: ${text.slice(0, 200)}`;
  }

  summary(label: string): string {
    const s = this.stats;
    const seconds = Math.round((this.now() - this.startedAt) / 1000);
    const outcomes = Object.entries(s.outcomes)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    const put = Object.entries(s.putAnswers)
      .map(([k, v]) => `${k}×${v}`)
      .join(" ");
    const e = s.errors;
    const errors = e.http4xx + e.http5xx + e.network;
    return (
      `simulator ${label} ${seconds}s: executions planned ${s.executionsStarted}, events ${s.events} ` +
      `(requests: batch ${s.requests.batch}, single ${s.requests.single}, put ${s.requests.put}) | ` +
      `outcomes: ${outcomes || "none"}${put ? ` | put non-200: ${put}` : ""} | ` +
      `errors ${errors} (4xx ${e.http4xx}, 5xx ${e.http5xx}, network ${e.network}), 429s ${e.rateLimited}` +
      (errors && s.lastError ? ` | last: ${s.lastError}` : "")
    );
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
