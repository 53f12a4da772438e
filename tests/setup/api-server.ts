// A small node http server: the production server's front (server/http/front.ts), which answers
// /api/v1 from the route table as `npm start` does, with the other route handlers of app/api/**
// (health, metrics …) mounted behind it in place of Next. Run as a child process through tsx;
// prints "listening <port>" when ready. Used by tests that need a real Runwatch over HTTP.
import http from "node:http";
import { pathToFileURL } from "node:url";
import { frontListener } from "../../server/http/front";
import { appRoutes } from "./app-routes";

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

// /api/v1 is the front's; the rest of app/api is what Next would serve behind it
const routes = await Promise.all(
  appRoutes("app/api")
    .filter((r) => !r.path.startsWith("/api/v1"))
    .map(async (r) => ({ ...r, module: (await import(pathToFileURL(r.file).href)) as Record<string, Handler | unknown> })),
);

/** The stand-in for Next: the other route files of app/api, without Next's routing. */
async function otherRoutes(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  try {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const route = routes.find((r) => r.regex.test(url.pathname));
    const handler = route?.module[req.method ?? "GET"];
    if (!route) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: `no route ${url.pathname}`, code: "ROUTE_NOT_FOUND" }));
      return;
    }
    if (typeof handler !== "function") {
      const allow = Object.keys(route.module).filter((k) => /^[A-Z]+$/.test(k)).join(", ");
      res.writeHead(405, { "content-type": "application/json", allow }).end(JSON.stringify({ error: `use ${allow}`, code: "METHOD_NOT_ALLOWED" }));
      return;
    }
    const m = route.regex.exec(url.pathname)!;
    const params = Object.fromEntries(route.params.map((name, k) => [name, decodeURIComponent(m[k + 1]!)]));
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const body = chunks.length && req.method !== "GET" && req.method !== "HEAD" ? Buffer.concat(chunks) : undefined;
    const request = new Request(url, { method: req.method, headers, body });
    const response = await (handler as Handler)(request, { params: Promise.resolve(params) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (err) {
    res.writeHead(500).end(String(err));
  }
}

const server = http.createServer(frontListener(otherRoutes));
server.listen(Number(process.env.API_PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === "object" && address ? address.port : 0}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
