import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { log } from "@/server/log";
import { appRouter } from "@/server/routers/_app";
import { createTRPCContext, trpcResponseMeta } from "@/server/trpc";

export const dynamic = "force-dynamic";

function handler(req: Request) {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: () => createTRPCContext({ headers: req.headers }),
    onError({ path, error }) {
      // the client only sees a generic message for these (see the error formatter)
      if (error.code === "INTERNAL_SERVER_ERROR") log.error({ err: error.cause ?? error, path }, "tRPC procedure failed");
      else if (error.code === "SERVICE_UNAVAILABLE") log.warn({ path, err: error.message }, "tRPC: database unavailable");
    },
    responseMeta: trpcResponseMeta,
  });
}

export { handler as GET, handler as POST };
