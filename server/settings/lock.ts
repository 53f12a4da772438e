// The organization row lock of settings and membership changes.
import type pg from "pg";
import { SettingsError } from "./errors";

/**
 * Serializes the membership and settings changes of one organization (so two owners demoting each
 * other cannot leave none). NO KEY UPDATE does not conflict with the KEY SHARE locks that inserts
 * referencing the organization take, so ingestion never waits on it.
 */
export async function lockOrg(client: Pick<pg.PoolClient, "query">, orgId: string): Promise<{ id: string; slug: string; name: string; stuckScheduledAfterSeconds: number; stuckRunningAfterSeconds: number }> {
  const { rows } = await client.query(
    `SELECT id, slug, name, "stuckScheduledAfterSeconds", "stuckRunningAfterSeconds" FROM organizations WHERE id = $1 FOR NO KEY UPDATE`,
    [orgId],
  );
  if (!rows[0]) throw new SettingsError("NOT_FOUND", "organization not found");
  return rows[0];
}
