// @runwatch/node/bullmq: reports every job of a BullMQ queue from the queue's own event stream
// (QueueEvents), whichever worker runs it, without touching worker code.
//
// Position: the last stream entry reported, with the attempt counters of the jobs in flight, is
// kept in one Redis hash of its own (`<prefix>:<queue>:runwatch`) and written only after Runwatch
// has answered everything up to it. A restart resumes there; entries between the last write and
// a crash are sent again with the same eventIds (the stream entry's id), so Runwatch counts them
// as duplicates and nothing is lost or applied twice.
import { type ConnectionOptions, Job, Queue, QueueEvents } from "bullmq";
import { createHash } from "node:crypto";
import { jsonField, type Logger, type Runwatch, type SendEvent } from "./client.js";

export type WatchQueueOptions = {
  /** the queue's name */
  queue: string;
  /** how to reach its Redis (as for BullMQ's Queue) */
  connection: ConnectionOptions;
  runwatch: Runwatch;
  /** the workflow key; default `<queue>.<job name>` */
  workflow?: string | ((job: { queue: string; name: string }) => string);
  /** BullMQ's key prefix; default "bull" */
  prefix?: string;
  /** where the position is kept; default `<prefix>:<queue>:runwatch` */
  positionKey?: string;
  /** with no saved position: "start" reports what the stream still holds, "now" only what follows. Default "start". */
  from?: "start" | "now";
  /** how often the position is saved; default 1,000 ms */
  checkpointMs?: number;
  /** how long stop() waits for Runwatch to answer before it leaves the position older; default 10 s */
  stopTimeoutMs?: number;
  /** send job.data as the execution's input (≤ 64 KiB); default true */
  includeData?: boolean;
  logger?: Logger;
};

/** What the connector keeps per job in flight: its execution, workflow, attempt, and last report. */
type JobState = { x: string; w: string; a: number; m: number; s: string };

type StreamEvent = { name: string; args: Record<string, unknown>; id: string };

const EVENTS = ["added", "waiting", "delayed", "active", "progress", "completed", "failed", "removed", "waiting-children", "stalled"] as const;
const STALLED_MESSAGE = "stalled: the worker lost the job's lock (it died or blocked its event loop); BullMQ put the job back in the queue";

/** queue + job id + job creation time: unique per run, so a reused job id is a new execution. */
export function bullmqExecutionId(queue: string, jobId: string, createdAt: number): string {
  const id = `${queue}:${jobId}:${createdAt}`;
  return id.length <= 200 ? id : `${queue.slice(0, 80)}:${createHash("sha256").update(jobId).digest("hex").slice(0, 40)}:${createdAt}`;
}

const streamTime = (id: string) => new Date(Number(id.split("-")[0]));

export async function watchQueue(options: WatchQueueOptions): Promise<() => Promise<void>> {
  const { queue: name, connection, runwatch } = options;
  const prefix = options.prefix ?? "bull";
  const positionKey = options.positionKey ?? `${prefix}:${name}:runwatch`;
  const log: Logger = options.logger ?? (() => {});
  const includeData = options.includeData ?? true;
  const workflowOf = (jobName: string) =>
    typeof options.workflow === "function" ? options.workflow({ queue: name, name: jobName }) : (options.workflow ?? `${name}.${jobName}`);

  const queue = new Queue(name, { connection, prefix });
  const client = await queue.getBackend().client;
  const saved = await client.hgetall(positionKey);
  const jobs = new Map<string, JobState>(Object.entries(saved.jobs ? (JSON.parse(saved.jobs) as Record<string, JobState>) : {}));
  let processedId: string = saved.lastEventId || (options.from === "now" ? "$" : "0");
  let savedId = processedId;

  const events = new QueueEvents(name, { connection, prefix, lastEventId: processedId, autorun: false });

  const eventId = (id: string, suffix = "") => `bullmq:${prefix}:${name}:${id}${suffix}`.slice(0, 128);

  async function fetchJob(jobId: string): Promise<Job | undefined> {
    return (await Job.fromId(queue, jobId).catch(() => undefined)) ?? undefined;
  }

  /** The state of a job seen for the first time after it was added (the connector started late). */
  async function adopt(jobId: string, id: string, event: string): Promise<JobState | undefined> {
    const job = await fetchJob(jobId);
    if (!job) {
      log("warn", `BullMQ job ${jobId} of ${name} is gone before the connector saw it added; its events are skipped`, { jobId, streamId: id });
      return undefined;
    }
    // the attempts it has started so far (less the one this "active" entry is about to count)
    const started = Math.max(0, (job.attemptsStarted ?? job.attemptsMade) - (event === "active" ? 1 : 0));
    const state: JobState = { x: bullmqExecutionId(name, jobId, job.timestamp), w: workflowOf(job.name), a: started, m: job.attemptsMade, s: "" };
    jobs.set(jobId, state);
    return state;
  }

  function send(state: JobState, id: string, event: Omit<SendEvent, "executionId" | "attempt" | "occurredAt">, attempt = Math.max(1, state.a)) {
    runwatch.send({ executionId: state.x, attempt, occurredAt: streamTime(id), workflow: state.w, ...event });
    if (event.status) state.s = String(event.status);
  }

  async function handle({ name: event, args, id }: StreamEvent): Promise<void> {
    const jobId = String(args.jobId ?? "");
    if (!jobId) return;
    if (event === "added") {
      const job = await fetchJob(jobId);
      // a job removed before we read it: the entry's own time stands in for its creation time
      const createdAt = job?.timestamp ?? streamTime(id).getTime();
      // At this entry nothing has run yet: count attempts and failures from 0 even when the job
      // is read later, after it has already failed (reading attemptsMade here shifted every
      // later failure's error by one and reported the first as a stall)
      const state: JobState = { x: bullmqExecutionId(name, jobId, createdAt), w: workflowOf(String(args.name ?? job?.name ?? "job")), a: 0, m: 0, s: "" };
      jobs.set(jobId, state);
      runwatch.send({
        eventId: eventId(id),
        executionId: state.x,
        workflow: state.w,
        status: "PENDING",
        attempt: 1,
        occurredAt: new Date(createdAt),
        metadata: { queue: name, jobId, jobName: String(args.name ?? job?.name ?? "") },
        ...(includeData && job?.data !== undefined ? { input: jsonField(job.data) } : {}),
      });
      state.s = "PENDING";
      return;
    }
    const state = jobs.get(jobId) ?? (event === "removed" ? undefined : await adopt(jobId, id, event));
    if (!state) return;
    switch (event) {
      case "waiting":
      case "delayed": {
        if (state.s === "RUNNING") {
          // back in the queue from a worker: a failed attempt with attempts left, or a stall
          const job = await fetchJob(jobId);
          // This entry may be read long after the job moved on (the stream is handled in order,
          // the job is read now), so the k-th failure is found by its own stack trace: BullMQ
          // appends one per failure, written with failedReason. attemptsMade was seen to lag
          // behind the traces, so it only tells how many old traces a stackTraceLimit dropped.
          const traces = job?.stacktrace ?? [];
          const k = state.m + 1;
          const failed = job !== undefined && (job.attemptsMade >= k || traces.length >= k);
          let error: { message: string; code: string; stack?: string } = { message: STALLED_MESSAGE, code: "STALLED" };
          if (failed) {
            state.m = k;
            const dropped = Math.max(0, job!.attemptsMade - traces.length);
            const stack = traces[k - 1 - dropped];
            const latest = Math.max(job!.attemptsMade, traces.length) === k;
            const message = stack ? stack.split("\n")[0]?.replace(/^[\w$.]+: /, "") : latest ? job!.failedReason : undefined;
            error = { message: message || "the attempt failed", code: "ATTEMPT_FAILED", ...(stack ? { stack } : {}) };
          }
          send(state, id, { eventId: eventId(id), status: "PENDING", error }, state.a + 1);
        } else if (state.s !== "PENDING") {
          send(state, id, { eventId: eventId(id), status: "PENDING" }, state.a + 1);
        }
        return;
      }
      case "active":
        state.a += 1;
        send(state, id, { eventId: eventId(id), status: "RUNNING" });
        return;
      case "progress":
        // heartbeats go without an eventId (CONTRACT §3): Runwatch compacts them per attempt
        runwatch.send({ executionId: state.x, attempt: Math.max(1, state.a), occurredAt: streamTime(id), type: "heartbeat" });
        return;
      case "waiting-children":
        send(state, id, { eventId: eventId(id), status: "WAITING" });
        return;
      case "completed":
        send(state, id, { eventId: eventId(id), status: "COMPLETED", ...(args.returnvalue !== undefined && args.returnvalue !== null ? { output: jsonField(args.returnvalue) } : {}) });
        jobs.delete(jobId);
        return;
      case "failed": {
        const job = await fetchJob(jobId);
        const stack = job?.stacktrace?.length ? job.stacktrace[job.stacktrace.length - 1] : undefined;
        send(state, id, { eventId: eventId(id), status: "FAILED", error: { message: String(args.failedReason ?? job?.failedReason ?? "failed"), ...(stack ? { stack } : {}) } });
        jobs.delete(jobId);
        return;
      }
      case "removed":
        // removed before it finished (a finished job's removal is housekeeping)
        if (args.prev !== "completed" && args.prev !== "failed") send(state, id, { eventId: eventId(id), status: "CANCELLED", error: { message: "the job was removed from the queue", code: "REMOVED" } });
        jobs.delete(jobId);
        return;
      case "stalled":
        // the move back to wait, just before this entry, already reported the lost attempt
        return;
    }
  }

  // QueueEvents emits synchronously, in stream order; handling needs Redis reads, so entries
  // wait in a FIFO and are handled one at a time, which keeps the order.
  const backlog: StreamEvent[] = [];
  let draining: Promise<void> | undefined;
  async function drain(): Promise<void> {
    while (backlog.length) {
      const next = backlog.shift()!;
      try {
        await handle(next);
      } catch (err) {
        log("error", `could not report BullMQ event ${next.name} of job ${String(next.args.jobId)}`, { err: String(err), streamId: next.id });
      }
      processedId = next.id;
    }
    draining = undefined;
  }
  for (const event of EVENTS) {
    events.on(event as "added", (args: unknown, id: string) => {
      backlog.push({ name: event, args: args as Record<string, unknown>, id });
      draining ??= drain();
    });
  }
  events.on("error", (err) => log("warn", `BullMQ QueueEvents of ${name}: ${String(err)}`));

  let checkpointing: Promise<void> | undefined;
  async function checkpoint(flushTimeoutMs = Infinity): Promise<void> {
    if (processedId === savedId || processedId === "$" || processedId === "0") return;
    const id = processedId;
    const snapshot = JSON.stringify(Object.fromEntries(jobs));
    // answered up to `id`: only now may a restart skip it. If Runwatch does not answer in time
    // (stop() while it is down), the position stays older: a restart re-reads, as duplicates.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const answered = await Promise.race([
      runwatch.flush().then(() => true),
      new Promise<boolean>((resolve) => {
        if (flushTimeoutMs !== Infinity) timer = setTimeout(() => resolve(false), flushTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!answered) return;
    await client.hset(positionKey, { lastEventId: id, jobs: snapshot });
    savedId = id;
  }
  const tick = () => {
    checkpointing ??= checkpoint()
      .catch((err) => log("warn", `could not save the BullMQ position of ${name}`, { err: String(err) }))
      .finally(() => (checkpointing = undefined));
  };
  const timer = setInterval(tick, options.checkpointMs ?? 1000);
  timer.unref?.();

  await events.waitUntilReady();
  const running = events.run().catch((err) => log("error", `BullMQ QueueEvents of ${name} stopped`, { err: String(err) }));

  return async function stop() {
    clearInterval(timer);
    await events.close();
    await running;
    await draining;
    await Promise.race([checkpointing, new Promise((r) => setTimeout(r, options.stopTimeoutMs ?? 10_000))]);
    await checkpoint(options.stopTimeoutMs ?? 10_000).catch((err) => log("warn", `could not save the BullMQ position of ${name}`, { err: String(err) }));
    await queue.close();
  };
}


