// The organization row as it is created, inside audited()'s transaction with its audit entry.
import { z } from "zod";
import { defineQuery, type Queryable } from "../db/sql";

const orgRow = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  stuckScheduledAfterSeconds: z.number().int(),
  stuckRunningAfterSeconds: z.number().int(),
});

// the unique index on slug decides, so of two concurrent creations one inserts and the other gets no row
const INSERT_ORG = defineQuery(
  "orgs.insert",
  `INSERT INTO organizations (id, slug, name, "updatedAt") VALUES ($1, $2, $3, now())
   ON CONFLICT (slug) DO NOTHING
   RETURNING id::text AS id, slug, name, "stuckScheduledAfterSeconds", "stuckRunningAfterSeconds"`,
  orgRow,
);

/** The new organization, or null when its slug is taken. */
export const insertOrg = (db: Queryable, org: { id: string; slug: string; name: string }) => INSERT_ORG.first(db, [org.id, org.slug, org.name]);
