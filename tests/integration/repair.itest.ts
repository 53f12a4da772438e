// runwatch repair / verify against rows written by the old first-received rule: COMPLETED at
// 08:10 then a late RUNNING at 08:00 left startedAt null and durationMs 0 (in the 0 ms histogram
// bucket). verify names the stage times and the hourly row; repair recomputes them from the
// timeline; verify is then clean, and a second repair changes nothing.
import { beforeAll, describe, expect, it } from "vitest";
import { pool } from "../../server/db/client";
import { repairExecutions } from "../../server/aggregates/repair";
import { verifyAll } from "../../server/aggregates/verify";
import { ingestEvents } from "../../server/ingest/service";
import { emptyHistogram } from "../../server/metrics/histogram";
import { createTestOrg } from "../setup/helpers";

let orgId: string;
beforeAll(async () => {
  orgId = (await createTestOrg()).orgId;
});

const at = (hhmm: string) => `2026-03-02T${hhmm}:00.000Z`;

describe("runwatch repair", () => {
  it("fixes a row written with the old first-received rule, and verify sees the difference before and none after", async () => {
    await ingestEvents({ orgId }, { events: [
      { eventId: "old-1", executionId: "old", workflow: "legacy", status: "COMPLETED", occurredAt: at("08:10") },
      { eventId: "old-2", executionId: "old", status: "RUNNING", occurredAt: at("08:00") },
      { eventId: "ok-1", executionId: "ok", workflow: "legacy", status: "RUNNING", occurredAt: at("08:00") },
      { eventId: "ok-2", executionId: "ok", status: "FAILED", occurredAt: at("08:01") },
    ] });
    expect((await verifyAll(orgId)).ok).toBe(true);

    // what the old rules wrote: stage times of the first event received, the duration from it
    await pool().query(
      `UPDATE executions SET "startedAt" = NULL, "createdAt" = $2, "durationMs" = 0 WHERE "orgId" = $1 AND "executionId" = 'old'`,
      [orgId, at("08:10")],
    );
    const zeroBucket = emptyHistogram();
    zeroBucket[0] = 1;
    await pool().query(
      `UPDATE execution_hourly SET "durationSumMs" = 0, histogram = $2 WHERE "orgId" = $1 AND status = 'COMPLETED'`,
      [orgId, zeroBucket],
    );

    const before = await verifyAll(orgId);
    expect(before.ok).toBe(false);
    expect(before.differences).toEqual([]);
    expect(before.stageTimeDifferences).toEqual(
      expect.arrayContaining([
        { executionId: "old", field: "startedAt", stored: null, actual: at("08:00") },
        { executionId: "old", field: "createdAt", stored: at("08:10"), actual: at("08:00") },
        { executionId: "old", field: "durationMs", stored: "0", actual: "600000" },
      ]),
    );
    expect(before.stageTimeDifferences.every((d) => d.executionId === "old")).toBe(true);
    // the aggregate agrees with the (wrong) row it was built from: the stage times are what is wrong
    expect(before.hourlyDifferences).toEqual([]);

    const repaired = await repairExecutions(orgId);
    expect(repaired).toMatchObject({ executions: 2, executionsRepaired: 1 });
    const { rows } = await pool().query(`SELECT "createdAt", "startedAt", "completedAt", "durationMs"::int AS d FROM executions WHERE "orgId" = $1 AND "executionId" = 'old'`, [orgId]);
    expect(rows[0]).toEqual({ createdAt: new Date(at("08:00")), startedAt: new Date(at("08:00")), completedAt: new Date(at("08:10")), d: 600_000 });
    expect(await verifyAll(orgId)).toMatchObject({ ok: true, stageTimeDifferences: [], hourlyDifferences: [] });
    const { rows: hourly } = await pool().query(`SELECT "durationSumMs"::int AS sum, histogram FROM execution_hourly WHERE "orgId" = $1 AND status = 'COMPLETED'`, [orgId]);
    expect(hourly[0].sum).toBe(600_000);
    expect(hourly[0].histogram[0]).toBe(0);
    expect(await repairExecutions(orgId)).toMatchObject({ executionsRepaired: 0 });

    // an aggregate that drifted from its executions is named, and rebuilt
    await pool().query(`UPDATE execution_hourly SET count = count + 1 WHERE "orgId" = $1 AND status = 'FAILED'`, [orgId]);
    const drifted = await verifyAll(orgId);
    expect(drifted.hourlyDifferences).toEqual([expect.objectContaining({ status: "FAILED", stored: expect.objectContaining({ count: 2 }), actual: expect.objectContaining({ count: 1 }) })]);
    await repairExecutions(orgId);
    expect((await verifyAll(orgId)).ok).toBe(true);
  });
});

describe("runwatch verify and repair: the rollups and the workflow counters", () => {
  it("names a corrupted running total, daily row and created-at row, and repair rebuilds them", async () => {
    const org = await createTestOrg();
    const events = [
      { eventId: "r-1", executionId: "r1", workflow: "etl", status: "COMPLETED" as const, occurredAt: at("09:10") },
      { eventId: "r-2", executionId: "r2", workflow: "etl", status: "RUNNING" as const, occurredAt: at("09:20") },
      { eventId: "r-3", executionId: "r2", status: "FAILED" as const, occurredAt: at("09:30") },
      { eventId: "r-4", executionId: "r3", workflow: "mail", status: "CANCELLED" as const, occurredAt: at("10:05") },
      { eventId: "r-5", executionId: "r4", workflow: "mail", status: "RUNNING" as const, occurredAt: at("10:06") },
    ];
    await ingestEvents({ orgId: org.orgId }, { events });
    expect(await verifyAll(org.orgId)).toMatchObject({ ok: true, rollupDifferences: [] });

    // one wrong row in each rollup, and a drifted workflow counter
    await pool().query(`UPDATE org_execution_totals SET count = count + 5 WHERE "orgId" = $1 AND status = 'COMPLETED'`, [org.orgId]);
    await pool().query(`DELETE FROM execution_daily WHERE "orgId" = $1 AND status = 'FAILED'`, [org.orgId]);
    await pool().query(
      `INSERT INTO execution_created_rollup ("orgId", "grainHours", bucket, "workflowId", status, count)
       SELECT "orgId", 1, '2026-03-01T00:00:00Z', id, 'COMPLETED', 3 FROM workflows WHERE "orgId" = $1 AND key = 'mail'`,
      [org.orgId],
    );
    await pool().query(`UPDATE workflows SET "successCount" = "successCount" + 1 WHERE "orgId" = $1 AND key = 'mail'`, [org.orgId]);

    const drifted = await verifyAll(org.orgId);
    expect(drifted.ok).toBe(false);
    expect(drifted.differences).toEqual([expect.objectContaining({ workflow: "mail", counter: "successCount", stored: 1, actual: 0 })]);
    const of = (table: string) => drifted.rollupDifferences.filter((d) => d.table === table);
    expect(of("org_execution_totals")).toEqual([expect.objectContaining({ stored: "count 6", actual: "count 1" })]);
    expect(of("execution_daily")).toEqual([expect.objectContaining({ key: expect.stringMatching(/ 2026-03-02 FAILED$/), stored: null, actual: expect.stringMatching(/^count 1, sum 600000 ms/) })]);
    expect(of("execution_created_rollup")).toEqual([expect.objectContaining({ key: expect.stringMatching(/^1h 2026-03-01T00:00Z workflow \d+ COMPLETED$/), stored: "count 3", actual: null })]);
    expect(drifted.rollupDifferences).toHaveLength(3);
    // another organization's rows are not this one's differences
    expect(await verifyAll(orgId)).toMatchObject({ rollupDifferences: [] });

    expect(await repairExecutions(org.orgId)).toMatchObject({ executionsRepaired: 0, workflowsRepaired: 1 });
    expect(await verifyAll(org.orgId)).toMatchObject({ ok: true, differences: [], rollupDifferences: [], hourlyDifferences: [], stageTimeDifferences: [] });
    // and the repaired rollups are the ones ingestion keeps moving
    await ingestEvents({ orgId: org.orgId }, { events: [{ eventId: "r-6", executionId: "r4", status: "COMPLETED", occurredAt: at("10:30") }] });
    expect(await verifyAll(org.orgId)).toMatchObject({ ok: true });
    expect(await repairExecutions(org.orgId)).toMatchObject({ executionsRepaired: 0, workflowsRepaired: 0 });
  });
});
