// executions.latest through createCaller against a real database.
import { describe, expect, it } from "vitest";
import { prisma } from "../../server/db/client";
import type { Status } from "../../server/executions/status";
import { createCaller } from "../../server/routers/_app";
import { createTRPCContext } from "../../server/trpc";
import { createTestOrg } from "../setup/helpers";

async function caller() {
  return createCaller(await createTRPCContext({ headers: new Headers() }));
}

type Row = { executionId: string; status: Status; createdAt: string; attempt?: number; completedAt?: string; durationMs?: number };

async function insertExecutions(orgId: string, workflowKey: string, rows: Row[]) {
  const wf = await prisma().workflow.create({ data: { orgId, key: workflowKey, name: workflowKey } });
  for (const r of rows) {
    const createdAt = new Date(r.createdAt);
    await prisma().execution.create({
      data: {
        orgId,
        workflowId: wf.id,
        executionId: r.executionId,
        status: r.status,
        attempt: r.attempt ?? 1,
        statusChangedAt: createdAt,
        createdAt,
        lastEventAt: createdAt,
        completedAt: r.completedAt ? new Date(r.completedAt) : null,
        durationMs: r.durationMs === undefined ? null : BigInt(r.durationMs),
      },
    });
  }
}

describe("executions.latest", () => {
  it("lists the organization's executions newest first, ties broken by id", async () => {
    const org = await createTestOrg();
    await insertExecutions(org.orgId, "billing.charge", [
      { executionId: "old", status: "COMPLETED", createdAt: "2026-01-01T00:00:00Z", completedAt: "2026-01-01T00:00:02.5Z", durationMs: 2500 },
      { executionId: "tie-first", status: "RUNNING", createdAt: "2026-01-02T00:00:00Z" },
      { executionId: "tie-second", status: "FAILED", createdAt: "2026-01-02T00:00:00Z", attempt: 3 },
      { executionId: "newest", status: "PENDING", createdAt: "2026-01-03T00:00:00Z" },
    ]);

    const { items } = await (await caller()).executions.latest({ orgSlug: org.slug });

    expect(items.map((i) => i.executionId)).toEqual(["newest", "tie-second", "tie-first", "old"]);
    expect(items[1]).toEqual({
      executionId: "tie-second",
      workflowKey: "billing.charge",
      status: "FAILED",
      attempt: 3,
      createdAt: new Date("2026-01-02T00:00:00Z"),
      completedAt: null,
      durationMs: null,
    });
    expect(items[3]).toMatchObject({ status: "COMPLETED", durationMs: 2500, completedAt: new Date("2026-01-01T00:00:02.5Z") });
  });

  it("honours the limit", async () => {
    const org = await createTestOrg();
    await insertExecutions(
      org.orgId,
      "wf",
      Array.from({ length: 5 }, (_, i) => ({ executionId: `e${i}`, status: "RUNNING" as const, createdAt: `2026-02-0${i + 1}T00:00:00Z` })),
    );
    const { items } = await (await caller()).executions.latest({ orgSlug: org.slug, limit: 2 });
    expect(items.map((i) => i.executionId)).toEqual(["e4", "e3"]);
  });

  it("rejects a limit outside 1–100", async () => {
    const c = await caller();
    await expect(c.executions.latest({ limit: 0 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(c.executions.latest({ limit: 101 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(c.executions.latest({ limit: 1.5 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("never returns another organization's executions", async () => {
    const mine = await createTestOrg();
    const theirs = await createTestOrg();
    await insertExecutions(mine.orgId, "shared.key", [{ executionId: "mine-1", status: "RUNNING", createdAt: "2026-03-01T00:00:00Z" }]);
    await insertExecutions(theirs.orgId, "shared.key", [{ executionId: "theirs-1", status: "FAILED", createdAt: "2026-03-02T00:00:00Z" }]);

    const { items } = await (await caller()).executions.latest({ orgSlug: mine.slug });
    expect(items.map((i) => i.executionId)).toEqual(["mine-1"]);
  });

  it("answers an unknown organization with an empty list", async () => {
    const { items } = await (await caller()).executions.latest({ orgSlug: "no-such-org-anywhere" });
    expect(items).toEqual([]);
  });
});
