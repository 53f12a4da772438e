// The execution timeline is partitioned by month: partitions are created ahead, rows that
// landed in the default partition move into their month, and retention drops whole months and
// forgets their eventIds without touching the current month or the executions.
import { describe, expect, it } from "vitest";
import { pool } from "../../server/db/client";
import { addMonths, applyRetention, ensureEventPartitions, monthStart, partitionName } from "../../server/db/partitions";
import { ingestEvents } from "../../server/ingest/service";
import { createTestOrg } from "../setup/helpers";

const url = () => process.env.DATABASE_URL!;

async function partitions(): Promise<string[]> {
  const { rows } = await pool().query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'execution_events'::regclass ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

describe("execution_events partitions", () => {
  it("has this month's and the next twelve months' partitions after migrating", async () => {
    const names = await partitions();
    for (let i = 0; i <= 12; i++) expect(names).toContain(partitionName(addMonths(monthStart(new Date()), i)));
    expect(names).toContain("execution_events_default");
  });

  it("moves rows of a month without a partition out of the default partition, then retention drops that month", async () => {
    const { orgId } = await createTestOrg();
    const now = new Date();
    const twoMonthsAgo = new Date(addMonths(monthStart(now), -2).getTime() + 5 * 24 * 3600 * 1000);
    const old = partitionName(monthStart(twoMonthsAgo));
    expect(await partitions()).not.toContain(old);

    // an old event (as a restore or the upgrade of an unpartitioned table would leave it)
    await pool().query(
      `INSERT INTO execution_events ("orgId", "executionId", "eventId", type, status, attempt, "occurredAt", "receivedAt", outcome)
       VALUES ($1, 'old-exec', 'old-event', 'STATUS', 'COMPLETED', 1, $2, $2, 'APPLIED')`,
      [orgId, twoMonthsAgo],
    );
    await pool().query(`INSERT INTO processed_events ("orgId", "eventId", "executionId", "receivedAt") VALUES ($1, 'old-event', 'old-exec', $2)`, [
      orgId,
      twoMonthsAgo,
    ]);
    const inDefault = await pool().query(`SELECT count(*)::int AS n FROM execution_events_default WHERE "orgId" = $1`, [orgId]);
    expect(inDefault.rows[0].n).toBe(1);

    const created = await ensureEventPartitions(url(), now);
    expect(created).toContain(old);
    const moved = await pool().query(`SELECT count(*)::int AS n FROM "${old}" WHERE "orgId" = $1`, [orgId]);
    expect(moved.rows[0].n).toBe(1);
    expect((await pool().query(`SELECT count(*)::int AS n FROM execution_events_default`)).rows[0].n).toBe(0);

    // a current event stays through retention
    await ingestEvents({ orgId }, { events: [{ eventId: "new-event", executionId: "new-exec", workflow: "w", status: "COMPLETED" }] });
    const keepDays = (now.getTime() - monthStart(now).getTime()) / (24 * 3600 * 1000);
    const result = await applyRetention(url(), keepDays, now);
    expect(result.droppedPartitions).toContain(old);
    expect(result.droppedPartitions).not.toContain(partitionName(monthStart(now)));
    expect(await partitions()).not.toContain(old);
    const left = await pool().query(`SELECT "eventId" FROM execution_events WHERE "orgId" = $1 ORDER BY 1`, [orgId]);
    expect(left.rows.map((r) => r.eventId)).toEqual(["new-event"]);
    const dedup = await pool().query(`SELECT "eventId" FROM processed_events WHERE "orgId" = $1 ORDER BY 1`, [orgId]);
    expect(dedup.rows.map((r) => r.eventId)).toEqual(["new-event"]);
    expect((await pool().query(`SELECT count(*)::int AS n FROM executions WHERE "orgId" = $1`, [orgId])).rows[0].n).toBe(1);
  });

  it("keeps deduplicating eventIds across months: the claim is not in the partitioned table", async () => {
    const { orgId } = await createTestOrg();
    await ingestEvents({ orgId }, { events: [{ eventId: "dup", executionId: "x", workflow: "w", status: "RUNNING" }] });
    const [again] = await ingestEvents({ orgId }, { events: [{ eventId: "dup", executionId: "x", status: "COMPLETED" }] });
    expect(again).toMatchObject({ outcome: "duplicate", status: "RUNNING" });
  });
});
