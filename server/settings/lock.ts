// The organization row lock of settings and membership changes.
import type { Queryable } from "../db/sql";
import { SettingsError } from "./errors";
import type { OrgRow } from "../orgs/queries";
import { lockOrgRow } from "./queries";

/**
 * Serializes the membership and settings changes of one organization (so two owners demoting each
 * other cannot leave none), without making ingestion wait (server/settings/queries.ts).
 */
export async function lockOrg(client: Queryable, orgId: string): Promise<OrgRow> {
  const row = await lockOrgRow(client, orgId);
  if (!row) throw new SettingsError("NOT_FOUND", "organization not found");
  return row;
}
