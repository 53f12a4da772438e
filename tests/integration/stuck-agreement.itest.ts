// The stuck rule is written once in TypeScript (stuckVerdict) and once as SQL (stuckSql), both in
// server/executions/stuck.ts. This test generates executions at the edges (no heartbeat, a
// heartbeat newer or older than the start, WAITING, thresholds at organization and workflow
// level, exactly at the threshold and a millisecond either side) and holds the SQL, the API's
// reads and list filter, and the monitor's sweep query to the TypeScript answer on every one.
import { beforeAll, describe, expect, it } from "vitest";
import { pool, prisma } from "../../server/db/client";
import { countExecutionsCapped, listExecutions, getExecution } from "../../server/executions/read";
import { effectiveThresholds, STUCK_SQL, stuckSql, stuckVerdict, type StuckInput, type StuckThresholds } from "../../server/executions/stuck";

import { stuckSet } from "../../server/monitor/queries";
import { createTestOrg } from "../setup/helpers";

const ORG_THRESHOLDS: StuckThresholds = { stuckScheduledAfterSeconds: 120, stuckRunningAfterSeconds: 900 };
const WORKFLOWS = {
  "agree.org-default": { stuckScheduledAfterSeconds: null, stuckRunningAfterSeconds: null },
  "agree.own-running": { stuckScheduledAfterSeconds: null, stuckRunningAfterSeconds: 60 },
  "agree.own-both": { stuckScheduledAfterSeconds: 30, stuckRunningAfterSeconds: 45 },
} as const;
type WorkflowKey = keyof typeof WORKFLOWS;

type Case = StuckInput & { executionId: string; workflow: WorkflowKey };

let orgId: string;
const workflowIds = new Map<string, string>();

beforeAll(async () => {
  orgId = (await createTestOrg()).orgId;
  await prisma().organization.update({ where: { id: orgId }, data: ORG_THRESHOLDS });
  for (const [key, t] of Object.entries(WORKFLOWS)) {
    const { rows } = await pool().query<{ id: string }>(
      `INSERT INTO workflows ("orgId", key, name, "stuckScheduledAfterSeconds", "stuckRunningAfterSeconds") VALUES ($1, $2, $2, $3, $4) RETURNING id::text`,
      [orgId, key, t.stuckScheduledAfterSeconds, t.stuckRunningAfterSeconds],
    );
    workflowIds.set(key, rows[0]!.id);
  }
});

const thresholdsOf = (wf: WorkflowKey) => effectiveThresholds(ORG_THRESHOLDS, WORKFLOWS[wf]);

/** Executions whose deciding time sits at `offsetMs` from the threshold before `now`, in every shape. */
function edgeCases(prefix: string, now: Date, offsetsMs: number[]): Case[] {
  const cases: Case[] = [];
  let n = 0;
  for (const workflow of Object.keys(WORKFLOWS) as WorkflowKey[]) {
    const t = thresholdsOf(workflow);
    for (const offset of offsetsMs) {
      const scheduledEdge = new Date(now.getTime() - t.stuckScheduledAfterSeconds * 1000 + offset);
      const runningEdge = new Date(now.getTime() - t.stuckRunningAfterSeconds * 1000 + offset);
      const long = new Date(now.getTime() - 10 * 86_400_000);
      const shapes: Omit<StuckInput, never>[] = [
        // SCHEDULED: statusChangedAt decides, whatever the signs of life say
        { status: "SCHEDULED", statusChangedAt: scheduledEdge, startedAt: null, lastHeartbeatAt: null, lastEventAt: scheduledEdge },
        { status: "SCHEDULED", statusChangedAt: scheduledEdge, startedAt: null, lastHeartbeatAt: now, lastEventAt: now },
        // RUNNING without a heartbeat: startedAt / last event decide
        { status: "RUNNING", statusChangedAt: long, startedAt: runningEdge, lastHeartbeatAt: null, lastEventAt: runningEdge },
        { status: "RUNNING", statusChangedAt: long, startedAt: long, lastHeartbeatAt: null, lastEventAt: runningEdge },
        // a heartbeat newer than the start decides
        { status: "RUNNING", statusChangedAt: long, startedAt: long, lastHeartbeatAt: runningEdge, lastEventAt: long },
        // a heartbeat older than the start does not
        { status: "RUNNING", statusChangedAt: long, startedAt: runningEdge, lastHeartbeatAt: long, lastEventAt: long },
        // statusChangedAt newer than every sign of life is not one (§2)
        { status: "RUNNING", statusChangedAt: now, startedAt: runningEdge, lastHeartbeatAt: null, lastEventAt: runningEdge },
        // never stuck
        { status: "WAITING", statusChangedAt: long, startedAt: long, lastHeartbeatAt: null, lastEventAt: long },
        { status: "PENDING", statusChangedAt: long, startedAt: null, lastHeartbeatAt: null, lastEventAt: long },
        { status: "COMPLETED", statusChangedAt: long, startedAt: long, lastHeartbeatAt: null, lastEventAt: long },
      ];
      for (const s of shapes) cases.push({ ...s, executionId: `${prefix}-${n++}`, workflow });
    }
  }
  return cases;
}

/** Every execution inserted in the organization, for the counts over all of them. */
const inserted: Case[] = [];

async function insert(cases: Case[]) {
  inserted.push(...cases);
  await pool().query(
    `INSERT INTO executions ("orgId", "executionId", "workflowId", status, "statusChangedAt", "createdAt", "startedAt", "lastHeartbeatAt", "lastEventAt", "completedAt")
     SELECT $1, x."executionId", x."workflowId", x.status, x."statusChangedAt", x."statusChangedAt" - interval '30 days', x."startedAt",
            x."lastHeartbeatAt", x."lastEventAt", CASE WHEN x.status = 'COMPLETED' THEN x."lastEventAt" END
     FROM json_to_recordset($2::json) AS x("executionId" text, "workflowId" bigint, status "ExecutionStatus", "statusChangedAt" timestamptz,
       "startedAt" timestamptz, "lastHeartbeatAt" timestamptz, "lastEventAt" timestamptz)`,
    [orgId, JSON.stringify(cases.map((c) => ({ ...c, workflowId: workflowIds.get(c.workflow) })))],
  );
}

describe("stuck: SQL and TypeScript agree", () => {
  it("exactly at the threshold and a millisecond either side, through stuckSql with the same now", async () => {
    const now = new Date(Date.parse("2026-06-01T12:00:00.000Z"));
    const cases = edgeCases("edge", now, [-1000, -1, 0, 1, 1000]);
    await insert(cases);
    const sql = stuckSql({
      scheduledAfterSeconds: `COALESCE(w."stuckScheduledAfterSeconds", o."stuckScheduledAfterSeconds")`,
      runningAfterSeconds: `COALESCE(w."stuckRunningAfterSeconds", o."stuckRunningAfterSeconds")`,
      now: "$3::timestamptz",
    });
    const { rows } = await pool().query<{ executionId: string; reason: string | null; since: Date | null }>(
      `SELECT e."executionId", ${sql.reason} AS reason, ${sql.since} AS since
         FROM executions e JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId" JOIN organizations o ON o.id = e."orgId"
        WHERE e."orgId" = $1 AND e."executionId" = ANY($2::text[])`,
      [orgId, cases.map((c) => c.executionId), now],
    );
    expect(rows).toHaveLength(cases.length);
    const byId = new Map(rows.map((r) => [r.executionId, r]));
    let stuck = 0;
    for (const c of cases) {
      const verdict = stuckVerdict(c, thresholdsOf(c.workflow), now);
      const row = byId.get(c.executionId)!;
      expect({ id: c.executionId, reason: row.reason, since: row.reason ? row.since : null }).toEqual({
        id: c.executionId,
        reason: verdict?.reason ?? null,
        since: verdict?.since ?? null,
      });
      if (verdict) stuck++;
    }
    // the edges really are edges: some cases on each side
    expect(stuck).toBeGreaterThan(0);
    expect(stuck).toBeLessThan(cases.length);
  });

  it("the API's reads and stuck filter and the monitor's sweep give the TypeScript answer (a minute from the edge, at the database's now)", async () => {
    const { rows: clock } = await pool().query<{ now: Date }>(`SELECT now() AS now`);
    const now = clock[0]!.now;
    const cases = edgeCases("live", now, [-60_000, 60_000]);
    await insert(cases);
    const expected = new Map(cases.map((c) => [c.executionId, stuckVerdict(c, thresholdsOf(c.workflow), now)]));

    for (const c of cases) {
      const view = (await getExecution({ orgId }, c.executionId))!;
      const v = expected.get(c.executionId)!;
      expect({ id: c.executionId, stuck: view.stuck, reason: view.stuckReason }).toEqual({ id: c.executionId, stuck: v !== null, reason: v?.reason ?? null });
    }
    const listed = await listExecutions({ orgId }, { stuck: true, executionId: { value: "live-", mode: "prefix" } }, { limit: 500, cursor: null });
    expect(listed.items.map((i) => i.executionId).sort()).toEqual(cases.filter((c) => expected.get(c.executionId)).map((c) => c.executionId).sort());

    // the capped count of stuck=true (its own, join-free form of the rule) counts the same ones
    const counted = await countExecutionsCapped({ orgId }, { stuck: true, executionId: { value: "live-", mode: "prefix" } });
    expect(counted).toEqual({ count: cases.filter((c) => expected.get(c.executionId)).length, capped: false });

    // and without the prefix (which only the heap can answer), through the index-only parts alone:
    // every stuck execution of the organization (the first test's too, long stuck by now), and
    // capped at every cap, across the statuses' parts, the same
    const all = inserted.filter((c) => stuckVerdict(c, thresholdsOf(c.workflow), now)).length;
    expect(all).toBeGreaterThan(counted.count);
    for (let cap = 0; cap <= all + 1; cap++) {
      expect({ cap, ...(await countExecutionsCapped({ orgId }, { stuck: true }, { cap })) }).toEqual({ cap, count: Math.min(cap, all), capped: all > cap });
    }
    for (const status of ["SCHEDULED", "RUNNING"] as const) {
      const of = inserted.filter((c) => c.status === status && stuckVerdict(c, thresholdsOf(c.workflow), now)).length;
      expect({ status, ...(await countExecutionsCapped({ orgId }, { stuck: true, statuses: [status] })) }).toEqual({ status, count: of, capped: false });
    }

    const swept = await stuckSet(pool(), now, [orgId]);
    const mine = swept.filter((r) => r.orgId === orgId && r.executionId.startsWith("live-"));
    expect(mine.map((r) => [r.executionId, r.reason, r.since.getTime()]).sort()).toEqual(
      cases
        .filter((c) => expected.get(c.executionId))
        .map((c) => [c.executionId, expected.get(c.executionId)!.reason, expected.get(c.executionId)!.since.getTime()])
        .sort(),
    );
    // the readers share one expression
    expect(STUCK_SQL.reason).toContain(STUCK_SQL.signOfLife);
  });
});


