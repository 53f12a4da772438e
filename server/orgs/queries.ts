// The organization row: its one schema and column list (the settings screens change it with
// them), and its creation, inside audited()'s transaction with its audit entry.
import { z } from "zod";
import { defineQuery, type Queryable } from "../db/sql";

export const orgRow = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  stuckScheduledAfterSeconds: z.number().int(),
  stuckRunningAfterSeconds: z.number().int(),
});
const ORG_FIELDS = Object.keys(orgRow.shape) as (keyof z.infer<typeof orgRow>)[];

/** The organization columns every statement that returns an organization selects (orgRow's fields). */
export const ORG_COLUMNS = ORG_FIELDS.map((f) => `"${f}"`).join(", ");

/** The same columns as a Prisma `select`, for the reads that go through Prisma. */
export const ORG_SELECT = Object.fromEntries(ORG_FIELDS.map((f) => [f, true])) as { [F in (typeof ORG_FIELDS)[number]]: true };
export type OrgRow = z.infer<typeof orgRow>;

// the unique index on slug decides, so of two concurrent creations one inserts and the other gets no row
const INSERT_ORG = defineQuery(
  "orgs.insert",
  `INSERT INTO organizations (id, slug, name, "updatedAt") VALUES ($1, $2, $3, now())
   ON CONFLICT (slug) DO NOTHING
   RETURNING ${ORG_COLUMNS}`,
  orgRow,
);

/** The new organization, or null when its slug is taken. */
export const insertOrg = (db: Queryable, org: { id: string; slug: string; name: string }) => INSERT_ORG.first(db, [org.id, org.slug, org.name]);
