// What the SDK integration tests (tests/integration/sdk*.itest.ts) share: Node child processes
// run to their exit or started until they say they are ready, the API read with the test's key,
// and waiting for a condition (polled, never a fixed sleep).
import { type ChildProcess, spawn } from "node:child_process";
import { projectRoot } from "./app-routes";

export type ChildOutput = { code: number | null; stdout: string; stderr: string };

/** Runs `node <args>` from the project root to its exit and collects what it printed. */
export function runNode(args: string[], env: Record<string, string | undefined> = {}): Promise<ChildOutput> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => (stderr += String(d)));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Starts `node <args>` and resolves once its output matches readyLine (20 s at most); rejects if
 * it exits first. The child goes into `children`, for afterAll to kill.
 */
export function startNode(
  args: string[],
  env: Record<string, string>,
  readyLine: RegExp,
  children: ChildProcess[],
): Promise<{ child: ChildProcess; output: () => string }> {
  const name = args[args.length - 1] ?? "node";
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${name} did not get ready: ${out}`)), 20_000);
    child.stdout!.on("data", (d) => {
      out += String(d);
      if (readyLine.test(out)) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    });
    child.stderr!.on("data", (d) => (out += String(d)));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}: ${out}`));
    });
  });
}

/** Signals a child and resolves when it has exited (at once if it already has). */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.removeAllListeners("exit");
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

/** GET on the API with an API key: the status and the JSON body. */
export async function apiGetJson(base: string, apiKey: string, p: string) {
  const res = await fetch(base + p, { headers: { authorization: `Bearer ${apiKey}` } });
  return { status: res.status, body: await res.json() };
}

/** Reads until ok(value) holds, every 100 ms, failing after ms with the last value read. */
export async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  let last: T = await read();
  while (!ok(last)) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}
