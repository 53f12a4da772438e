// The error formatter of server/trpc.ts, exercised through the real fetch adapter (no database).
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createCallerFactory, createTRPCContext, createTRPCRouter, publicProcedure, trpcResponseMeta, UNAVAILABLE_MESSAGE } from "../../server/trpc";

const router = createTRPCRouter({
  crash: publicProcedure.query(() => {
    throw new Error('relation "secrets" does not exist at 10.0.0.7:5432 password="hunter2"');
  }),
  outage: publicProcedure.query(() => {
    throw Object.assign(new Error("connect ECONNREFUSED 10.0.0.7:5432"), { code: "ECONNREFUSED" });
  }),
  nul: publicProcedure.input(z.object({ name: z.string() })).mutation(({ input }) => input.name),
  missing: publicProcedure.query(() => {
    throw new TRPCError({ code: "NOT_FOUND", message: "execution not found" });
  }),
  echo: publicProcedure.input(z.object({ n: z.number().int().min(1) })).query(({ input }) => ({ n: input.n, at: new Date(0) })),
});

type ErrorBody = { error: { json: { message: string; code: number; data: { code: string; httpStatus: number; stack?: string; zodError: unknown } } } };

async function call(pathAndQuery: string) {
  const req = new Request(`http://localhost/api/trpc/${pathAndQuery}`);
  const res = await fetchRequestHandler({ endpoint: "/api/trpc", req, router, createContext: () => createTRPCContext({ headers: req.headers, session: null }), responseMeta: trpcResponseMeta });
  return { status: res.status, headers: res.headers, body: (await res.json()) as ErrorBody };
}

describe("tRPC error formatter", () => {
  it("hides the message of an internal error", async () => {
    const { status, body } = await call("crash");
    expect(status).toBe(500);
    expect(body.error.json.message).toBe("Internal server error");
    expect(JSON.stringify(body)).not.toContain("hunter2");
    expect(JSON.stringify(body)).not.toContain("10.0.0.7");
    expect(body.error.json.data.stack).toBeUndefined();
  });

  it("answers an unreachable database with SERVICE_UNAVAILABLE, 503 and Retry-After, hiding the address", async () => {
    const { status, headers, body } = await call("outage");
    expect(status).toBe(503);
    expect(headers.get("retry-after")).toMatch(/^\d+$/);
    expect(body.error.json.data.code).toBe("SERVICE_UNAVAILABLE");
    expect(body.error.json.message).toBe(UNAVAILABLE_MESSAGE);
    expect(JSON.stringify(body)).not.toContain("10.0.0.7");
  });

  it("refuses text PostgreSQL cannot store with BAD_REQUEST naming the field", async () => {
    const caller = createCallerFactory(router)(await createTRPCContext({ headers: new Headers(), session: null }));
    await expect(caller.nul({ name: "a\u0000b" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("input.name") });
    await expect(caller.nul({ name: "\ud800" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("surrogate") });
    await expect(caller.nul({ name: "fine" })).resolves.toBe("fine");
  });

  it("keeps the message of a client error", async () => {
    const { status, body } = await call("missing");
    expect(status).toBe(404);
    expect(body.error.json.message).toBe("execution not found");
    expect(body.error.json.data.code).toBe("NOT_FOUND");
  });

  it("answers invalid input with BAD_REQUEST and the zod issues", async () => {
    const input = encodeURIComponent(JSON.stringify({ json: { n: 0 } }));
    const { status, body } = await call(`echo?input=${input}`);
    expect(status).toBe(400);
    expect(body.error.json.data.code).toBe("BAD_REQUEST");
    expect(body.error.json.data.zodError).toMatchObject({ fieldErrors: { n: expect.any(Array) } });
  });

  it("serializes with superjson, so dates survive", async () => {
    const input = encodeURIComponent(JSON.stringify({ json: { n: 3 } }));
    const req = new Request(`http://localhost/api/trpc/echo?input=${input}`);
    const res = await fetchRequestHandler({ endpoint: "/api/trpc", req, router, createContext: () => createTRPCContext({ headers: req.headers }) });
    const body = (await res.json()) as { result: { data: { json: unknown; meta: { values: Record<string, unknown> } } } };
    expect(body.result.data.meta.values).toEqual({ at: ["Date"] });
  });

  it("lets createCaller call procedures without HTTP", async () => {
    const caller = createCallerFactory(router)(await createTRPCContext({ headers: new Headers() }));
    await expect(caller.echo({ n: 2 })).resolves.toEqual({ n: 2, at: new Date(0) });
    await expect(caller.missing()).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
