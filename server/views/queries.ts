// The SQL of saved views that runs inside audited()'s transaction (server/views/service.ts): the
// capped insert and the delete. Reading views is plain CRUD and goes through Prisma.
import { z } from "zod";
import { defineQuery, type Queryable } from "../db/sql";

export const savedViewRow = z.object({ id: z.string(), name: z.string(), query: z.string(), createdByUserId: z.string().nullable(), createdAt: z.date() });
export type SavedViewRow = z.output<typeof savedViewRow>;

// the cap is checked in the INSERT itself, so concurrent saves cannot pass it together by much
const INSERT = defineQuery(
  "views.insert",
  `INSERT INTO saved_views ("orgId", id, name, query, "createdByUserId")
   SELECT $1, gen_random_uuid(), $2, $3, $4 WHERE (SELECT count(*) FROM saved_views WHERE "orgId" = $1) < $5
   RETURNING id::text, name, query, "createdByUserId", "createdAt"`,
  savedViewRow,
);
/** The new view, or null when the organization already keeps `cap` views; a taken name throws 23505. */
export const insertSavedView = (db: Queryable, orgId: string, v: { name: string; query: string; createdByUserId: string | null; cap: number }) =>
  INSERT.first(db, [orgId, v.name, v.query, v.createdByUserId, v.cap]);

const DELETE = defineQuery("views.delete", `DELETE FROM saved_views WHERE "orgId" = $1 AND id = $2 RETURNING id::text, name`, z.object({ id: z.string(), name: z.string() }));
/** The deleted view's id and name, or null when there was none. */
export const deleteSavedViewRow = (db: Queryable, orgId: string, id: string) => DELETE.first(db, [orgId, id]);
