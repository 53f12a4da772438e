// A small HTTP proxy in front of a real Runwatch that misbehaves on purpose, the way a network,
// a load balancer or an overloaded Runwatch does: it can refuse connections (down), answer
// 429/503 with Retry-After, or pass a request through and then lose the answer. It records
// every request it saw, so tests can check batching, order and retry timing.
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Verdict =
  | { kind: "pass"; headers?: Record<string, string> }
  | { kind: "down" }
  | { kind: "status"; status: number; headers?: Record<string, string> }
  | { kind: "lose-answer" };

export type Seen = { at: number; answeredAt?: number; path: string; events: Record<string, unknown>[]; status: number | "dropped"; answer?: unknown };

export type FlakyProxy = {
  base: string;
  seen: Seen[];
  /** decides each request (n counts from the last reset); default pass */
  policy: (n: number) => Verdict;
  /** forgets what it saw and starts counting requests again under a new policy */
  reset(policy?: (n: number) => Verdict): void;
  close(): Promise<void>;
};

export async function startFlakyProxy(upstream: string): Promise<FlakyProxy> {
  let n = 0;
  const pass = (): Verdict => ({ kind: "pass" });
  const proxy: FlakyProxy = {
    base: "",
    seen: [],
    policy: pass,
    reset(policy = pass) {
      n = 0;
      proxy.seen = [];
      proxy.policy = policy;
    },
    close: async () => {},
  };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let events: Record<string, unknown>[] = [];
    try {
      const body = JSON.parse(text) as { events?: Record<string, unknown>[] };
      events = body.events ?? [body as Record<string, unknown>];
    } catch {
      /* not JSON: recorded with no events */
    }
    const verdict = proxy.policy(n++);
    const seen: Seen = { at: Date.now(), path: req.url ?? "", events, status: "dropped" };
    proxy.seen.push(seen);
    if (verdict.kind === "down") {
      req.socket.destroy();
      return;
    }
    if (verdict.kind === "status") {
      seen.status = verdict.status;
      res.writeHead(verdict.status, { "content-type": "application/json", ...verdict.headers }).end(JSON.stringify({ error: "try later", code: "UNAVAILABLE" }));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
    const answer = await fetch(upstream + (req.url ?? ""), { method: req.method, headers, body: req.method === "GET" ? undefined : text });
    const body = await answer.text();
    if (verdict.kind === "lose-answer") {
      // Runwatch applied the batch, but the sender never hears so
      seen.answer = JSON.parse(body);
      req.socket.destroy();
      return;
    }
    seen.status = answer.status;
    seen.answeredAt = Date.now();
    seen.answer = body ? JSON.parse(body) : null;
    const out: Record<string, string> = {};
    answer.headers.forEach((v, k) => {
      if (k !== "content-length" && k !== "transfer-encoding" && k !== "connection" && k !== "content-encoding") out[k] = v;
    });
    res.writeHead(answer.status, { ...out, ...(verdict.kind === "pass" ? verdict.headers : {}) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
