// Per-user preferences on the server: the executions list's layout follows the user to any
// browser. Every read and write is keyed by the signed-in user's id, taken from the session by
// the tRPC procedure, never from the request, so one user can neither read nor write another's.
// Not audited: a layout choice changes nothing anyone else sees.
import { z } from "zod";
import { pool } from "../db/client";
import { CHART_SCALES, CHARTS_PLACEMENTS, LIST_COLUMNS, LIST_DENSITIES, normalizeListPrefs, type ListPrefs } from "../executions/list-prefs";

const LIST_PREFS_KEY = "executions-list";

/** A change to the list's layout: any subset of the fields; unknown keys are refused. */
export const listPrefsPatchSchema = z
  .object({
    columns: z.array(z.enum(LIST_COLUMNS)).max(LIST_COLUMNS.length),
    density: z.enum(LIST_DENSITIES),
    chartsOpen: z.boolean(),
    chartsPlacement: z.enum(CHARTS_PLACEMENTS),
    chartScale: z.enum(CHART_SCALES),
  })
  .partial()
  .strict();
export type ListPrefsPatch = z.infer<typeof listPrefsPatchSchema>;

export const listPrefsSchema = listPrefsPatchSchema.required();

/** The user's list layout: the defaults until they choose, normalized whatever is stored. */
export async function getListPrefs(userId: string): Promise<ListPrefs> {
  const { rows } = await pool().query<{ value: unknown }>(`SELECT value FROM user_preferences WHERE "userId" = $1 AND key = $2`, [userId, LIST_PREFS_KEY]);
  return normalizeListPrefs(rows[0]?.value);
}

/**
 * Merges a change into the stored layout in one statement (two tabs changing different fields
 * at once both keep their change) and returns the result.
 */
export async function updateListPrefs(userId: string, patch: ListPrefsPatch): Promise<ListPrefs> {
  const clean = listPrefsPatchSchema.parse(patch);
  const { rows } = await pool().query<{ value: unknown }>(
    `INSERT INTO user_preferences ("userId", key, value) VALUES ($1, $2, $3::jsonb)
     ON CONFLICT ("userId", key) DO UPDATE SET value = user_preferences.value || EXCLUDED.value, "updatedAt" = now()
     RETURNING value`,
    [userId, LIST_PREFS_KEY, JSON.stringify(clean)],
  );
  return normalizeListPrefs(rows[0]!.value);
}
