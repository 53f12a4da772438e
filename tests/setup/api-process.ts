// Starts tests/setup/api-server.ts as a child process: a real Runwatch API over HTTP.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { projectRoot } from "./app-routes";

export const tsxLoader = pathToFileURL(createRequire(path.join(projectRoot, "package.json")).resolve("tsx")).href;

export type ApiProcess = { child: ChildProcess; base: string; port: number; stop(): Promise<void> };

export function startApiProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ApiProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", tsxLoader, path.join(projectRoot, "tests/setup/api-server.ts")], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl, DATABASE_REPLICA_URLS: "", RUNWATCH_DB_POOL_SIZE: "4", LOG_LEVEL: "warn", ...env, NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    const timer = setTimeout(() => reject(new Error(`the API process did not start within 60 s: ${err}`)), 60_000);
    child.stderr!.on("data", (d) => (err += String(d)));
    child.stdout!.on("data", (d) => {
      const m = /listening (\d+)/.exec(String(d));
      if (!m) return;
      clearTimeout(timer);
      const port = Number(m[1]);
      resolve({
        child,
        port,
        base: `http://127.0.0.1:${port}`,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the API process exited with ${code}: ${err}`));
    });
  });
}
