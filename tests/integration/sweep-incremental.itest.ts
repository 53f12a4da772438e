// The incremental sweep opens and resolves exactly the alerts the full sweep would (issue 15).
// Two organizations get the same randomized history, on a fake clock: status changes (some late,
// some out of order), heartbeats, threshold changes of the organization and of a workflow. After
// every step one is swept incrementally (checkpoints, rechecks queued by ingestion) and the other
// in full (every active execution and every open alert judged again); their alerts must agree.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pool } from "../../server/db/client";
import { ingestEvents } from "../../server/ingest/service";
import { sweep, type SweepResult } from "../../server/monitor/sweep";
import { createTestOrg } from "../setup/helpers";

const EXECUTIONS = 12;
const WORKFLOWS = ["wf.a", "wf.b", "wf.c"];
const STATUSES = ["PENDING", "SCHEDULED", "RUNNING", "WAITING", "COMPLETED", "FAILED"] as const;

type Step =
  | { kind: "events"; advanceMs: number; events: { execution: number; status: (typeof STATUSES)[number] | "heartbeat"; lateMs: number; attempt: number }[] }
  | { kind: "orgThresholds"; scheduled: number; running: number }
  | { kind: "workflowThreshold"; workflow: number; scheduled: number | null; running: number | null };

const seconds = fc.integer({ min: 1, max: 40 });
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("events" as const),
      advanceMs: fc.integer({ min: 0, max: 25_000 }),
      events: fc.array(
        fc.record({
          execution: fc.integer({ min: 0, max: EXECUTIONS - 1 }),
          status: fc.constantFrom(...STATUSES, "heartbeat" as const),
          // most events are on time; some arrive late, some very late
          lateMs: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 60_000 }) }),
          attempt: fc.integer({ min: 1, max: 2 }),
        }),
        { maxLength: 6 },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("orgThresholds" as const), scheduled: seconds, running: seconds }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("workflowThreshold" as const),
      workflow: fc.integer({ min: 0, max: WORKFLOWS.length - 1 }),
      scheduled: fc.option(seconds),
      running: fc.option(seconds),
    }),
  },
);

async function sweepOne(orgId: string, now: Date, full: boolean): Promise<SweepResult> {
  const client = await pool().connect();
  try {
    await client.query("BEGIN");
    const r = await sweep(client, { now, failureRate: false, baseUrl: "http://test.invalid", orgIds: [orgId], full });
    await client.query("COMMIT");
    return r;
  } catch (err) {
    await client.query("ROLLBACK");
    throw err;
  } finally {
    client.release();
  }
}

/** The alerts of an organization, without what differs between organizations (ids). */
async function alertsOf(orgId: string) {
  const { rows } = await pool().query(
    `SELECT "executionId", reason, since, state, resolution, "firedAt", "resolvedAt" FROM alerts WHERE "orgId" = $1 ORDER BY "executionId", reason, since, "firedAt"`,
    [orgId],
  );
  return rows;
}

let runs = 0;
describe("incremental sweep = full sweep", () => {
  it("opens and resolves the same alerts on randomized histories", async () => {
    let opened = 0;
    let resolved = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 30 }), async (steps) => {
        const run = runs++;
        const incremental = (await createTestOrg()).orgId;
        const full = (await createTestOrg()).orgId;
        const both = [incremental, full];
        await pool().query(`UPDATE organizations SET "stuckScheduledAfterSeconds" = 10, "stuckRunningAfterSeconds" = 20 WHERE id = ANY($1::uuid[])`, [both]);
        // the clock stays well behind the real time: no event is from the future
        let now = Date.now() - 3_600_000;
        let n = 0;
        for (const s of steps) {
          if (s.kind === "events") {
            now += s.advanceMs;
            const events = s.events.map((e) => ({
              eventId: `r${run}-e${n++}`,
              executionId: `x${e.execution}`,
              workflow: WORKFLOWS[e.execution % WORKFLOWS.length],
              attempt: e.attempt,
              occurredAt: new Date(now - e.lateMs).toISOString(),
              ...(e.status === "heartbeat" ? { type: "heartbeat" } : { status: e.status }),
            }));
            for (const orgId of both) await ingestEvents({ orgId }, { events });
          } else if (s.kind === "orgThresholds") {
            await pool().query(`UPDATE organizations SET "stuckScheduledAfterSeconds" = $2, "stuckRunningAfterSeconds" = $3 WHERE id = ANY($1::uuid[])`, [both, s.scheduled, s.running]);
          } else {
            await pool().query(`UPDATE workflows SET "stuckScheduledAfterSeconds" = $3, "stuckRunningAfterSeconds" = $4 WHERE "orgId" = ANY($1::uuid[]) AND key = $2`, [
              both,
              WORKFLOWS[s.workflow],
              s.scheduled,
              s.running,
            ]);
          }
          const a = await sweepOne(incremental, new Date(now), false);
          const b = await sweepOne(full, new Date(now), true);
          expect({ opened: a.opened.length, resolved: a.resolved }).toEqual({ opened: b.opened.length, resolved: b.resolved });
          expect(await alertsOf(incremental)).toEqual(await alertsOf(full));
          opened += a.opened.length;
          resolved += a.resolved;
        }
      }),
      { seed: 20261201, numRuns: 12 },
    );
    // the histories really do open and resolve alerts
    expect(opened).toBeGreaterThan(10);
    expect(resolved).toBeGreaterThan(5);
  }, 240_000);
});
