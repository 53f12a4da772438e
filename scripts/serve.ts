// The production web server, one process: server/http/front.ts answers the REST API (/api/v1)
// with its route handlers and hands every other request to Next's request handler. `npm start`
// runs it (scripts/start.ts) where it used to run `next start`, and so do the browser tests
// (playwright.config.ts). Needs a production build (`npm run build`).
//
//   tsx scripts/serve.ts [-p PORT] [-H HOST]   as `next start`: PORT (3000) by default, on all
//                                              interfaces unless -H names one
//   … --api-only                               the REST API only, without Next (no build needed;
//                                              every other path is a JSON 404): for benchmarks
//
// Next runs instrumentation.ts once, in prepare(): the config check, the peer hook, bulk job
// recovery and the in-process monitor. SIGTERM and SIGINT stop it as `next start` stops: no new
// connections, requests in flight finished, Next closed, then exit (143 / 130).
import http from "node:http";
import { parseArgs } from "node:util";

// as `next start` does, before React or Next load: their production builds are chosen by it
(process.env as Record<string, string>).NODE_ENV ??= "production";
const { validateConfigOrExit } = await import("../server/config");
const { projectRoot } = await import("../server/db/migrate");
const { installPeerHook } = await import("../server/http/client-address");
const { frontListener } = await import("../server/http/front");

const settings = validateConfigOrExit();
const { values: args } = parseArgs({ options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" }, "api-only": { type: "boolean" } } });
const port = args.port ? Number(args.port) : settings.PORT;
const hostname = args.hostname;
const started = performance.now();

// before the server exists: the REST handlers here read the client's address from the header
// this hook stamps (instrumentation.ts installs the same hook; it installs once per process)
installPeerHook();
const app = args["api-only"] ? null : (await import("next")).default({ dev: false, dir: projectRoot, hostname: hostname ?? "localhost", port });
await app?.prepare();
const server = http.createServer(frontListener(app ? app.getRequestHandler() : notServedWithoutNext));

/** --api-only: what is not the REST API is not served. */
function notServedWithoutNext(_req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(404, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify({ error: "this server was started with --api-only: only /api/v1 is served", code: "ROUTE_NOT_FOUND" }));
}

let stopping = false;
function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  server.close(() => {
    void Promise.resolve(app?.close())
      .catch((err: unknown) => console.error(err))
      .finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  });
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

server.once("error", (err) => {
  console.error(`The server could not listen on port ${port}: ${err.message}`);
  process.exit(1);
});
server.listen(port, hostname, () => {
  const ms = Math.round(performance.now() - started);
  // the port it got (-p 0 asks for any free one, as the integration test does)
  const address = server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  process.stdout.write(`[runwatch] Server ready on port ${bound} in ${ms} ms (REST API direct, ${app ? "pages through Next.js" : "no pages: --api-only"}).\n`);
});
