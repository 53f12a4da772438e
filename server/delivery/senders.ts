// Sends one message to one channel and reports the attempt: webhooks signed per Standard Webhooks
// (CONTRACT.md §5), Slack incoming webhooks, email over SMTP. Every send is bounded by a timeout
// and never throws: the outcome (status code, latency, error) is what the caller logs.
import nodemailer from "nodemailer";
import { Webhook } from "standardwebhooks";
import { detailText, summaryLine, type Message } from "./payload";

export type ChannelType = "WEBHOOK" | "SLACK" | "EMAIL";

export type WebhookConfig = { url: string };
export type SlackConfig = { url: string };
export type EmailConfig = { to: string[] };

export type SendableChannel = { id: string; type: ChannelType; name: string; config: unknown; secret: string };

export type SendOptions = { timeoutMs: number; smtpUrl?: string; smtpFrom: string; now?: () => Date };

export type AttemptResult = {
  ok: boolean;
  /** a 410 answer: the receiver asks us to stop */
  gone: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
};

export async function send(channel: SendableChannel, messageId: string, message: Message, opts: SendOptions): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    switch (channel.type) {
      case "WEBHOOK":
        return await postWebhook(channel, messageId, message, opts, elapsed);
      case "SLACK":
        return await postSlack(channel, message, opts, elapsed);
      case "EMAIL":
        return await sendEmail(channel, messageId, message, opts, elapsed);
    }
  } catch (err) {
    return { ok: false, gone: false, statusCode: null, latencyMs: elapsed(), error: describeError(err, opts.timeoutMs) };
  }
}

function describeError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return `timed out after ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return [e?.message ?? String(err), cause].filter(Boolean).join(": ").slice(0, 1000);
}

function urlOf(config: unknown): string {
  const url = (config as { url?: unknown } | null)?.url;
  if (typeof url !== "string") throw new Error("channel has no url");
  return url;
}

async function readSnippet(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  return text.slice(0, 300);
}

async function httpResult(res: Response, elapsed: () => number): Promise<AttemptResult> {
  const ok = res.status >= 200 && res.status < 300;
  const snippet = ok ? "" : await readSnippet(res);
  if (ok) await res.body?.cancel().catch(() => {});
  return { ok, gone: res.status === 410, statusCode: res.status, latencyMs: elapsed(), error: ok ? null : `HTTP ${res.status}${snippet ? `: ${snippet}` : ""}` };
}

/** The Standard Webhooks headers for a body: webhook-id, webhook-timestamp, webhook-signature. */
export function signedHeaders(secret: string, messageId: string, body: string, at: Date): Record<string, string> {
  const signature = new Webhook(secret).sign(messageId, at, body);
  return {
    "content-type": "application/json",
    "user-agent": "Runwatch-Webhooks/1",
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signature,
  };
}

async function postWebhook(channel: SendableChannel, messageId: string, message: Message, opts: SendOptions, elapsed: () => number): Promise<AttemptResult> {
  const body = JSON.stringify(message);
  // signed at send time: receivers reject stale timestamps, so a retry gets a fresh one
  const headers = signedHeaders(channel.secret, messageId, body, opts.now?.() ?? new Date());
  const res = await fetch(urlOf(channel.config), { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(opts.timeoutMs) });
  return httpResult(res, elapsed);
}

/** Slack's incoming-webhook body: a fallback text and a section with the details. */
export function slackBody(message: Message): { text: string; blocks: unknown[] } {
  return {
    text: summaryLine(message),
    blocks: [{ type: "section", text: { type: "mrkdwn", text: detailText(message).slice(0, 2900) } }],
  };
}

async function postSlack(channel: SendableChannel, message: Message, opts: SendOptions, elapsed: () => number): Promise<AttemptResult> {
  const res = await fetch(urlOf(channel.config), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(slackBody(message)),
    redirect: "manual",
    signal: AbortSignal.timeout(opts.timeoutMs),
  });
  return httpResult(res, elapsed);
}

async function sendEmail(channel: SendableChannel, messageId: string, message: Message, opts: SendOptions, elapsed: () => number): Promise<AttemptResult> {
  if (!opts.smtpUrl) return { ok: false, gone: false, statusCode: null, latencyMs: elapsed(), error: "SMTP_URL is not set; email channels need it (e.g. SMTP_URL=smtp://mail.example.com:587)" };
  const to = (channel.config as { to?: unknown } | null)?.to;
  if (!Array.isArray(to) || to.length === 0) throw new Error("channel has no recipients");
  const transport = nodemailer.createTransport({
    url: opts.smtpUrl,
    connectionTimeout: opts.timeoutMs,
    greetingTimeout: opts.timeoutMs,
    socketTimeout: opts.timeoutMs,
  });
  try {
    const info = await withTimeout(
      transport.sendMail({
        from: opts.smtpFrom,
        to: to as string[],
        subject: summaryLine(message),
        text: `${detailText(message)}\n\n--\n${JSON.stringify(message, null, 2)}`,
        headers: { "X-Runwatch-Message-Id": messageId },
      }),
      opts.timeoutMs,
    );
    const code = Number.parseInt(String(info.response ?? "").slice(0, 3), 10);
    return { ok: true, gone: false, statusCode: Number.isFinite(code) ? code : null, latencyMs: elapsed(), error: null };
  } catch (err) {
    const code = (err as { responseCode?: number }).responseCode ?? null;
    return { ok: false, gone: false, statusCode: code, latencyMs: elapsed(), error: describeError(err, opts.timeoutMs) };
  } finally {
    transport.close();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`timed out after ${ms} ms`), { name: "TimeoutError" })), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
