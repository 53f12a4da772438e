// The newest executions of one organization, for the first page of the dashboard.
import { pool } from "../db/client";
import type { Status } from "./status";

export type LatestExecution = {
  executionId: string;
  workflowKey: string;
  status: Status;
  attempt: number;
  createdAt: Date;
  completedAt: Date | null;
  durationMs: number | null;
};

export async function latestExecutions(params: { orgSlug: string; limit: number }): Promise<LatestExecution[]> {
  // The organization is joined by slug inside the query, so an unknown slug reads no rows
  // instead of another organization's.
  const { rows } = await pool().query<{
    executionId: string;
    workflowKey: string;
    status: Status;
    attempt: number;
    createdAt: Date;
    completedAt: Date | null;
    durationMs: string | null;
  }>(
    `SELECT e."executionId", w.key AS "workflowKey", e.status::text AS status, e.attempt,
            e."createdAt", e."completedAt", e."durationMs"
       FROM organizations o
       JOIN executions e ON e."orgId" = o.id
       JOIN workflows w ON w."orgId" = e."orgId" AND w.id = e."workflowId"
      WHERE o.slug = $1
      ORDER BY e."createdAt" DESC, e.id DESC
      LIMIT $2`,
    [params.orgSlug, params.limit],
  );
  // durationMs is a BIGINT; pg returns it as a string. Durations fit a double comfortably.
  return rows.map((r) => ({ ...r, durationMs: r.durationMs === null ? null : Number(r.durationMs) }));
}
