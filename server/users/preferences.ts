// Per-user preferences on the server: the executions list's layout follows the user to any
// browser. Every read and write is keyed by the signed-in user's id, taken from the session by
// the tRPC procedure, never from the request, so one user can neither read nor write another's.
// Not audited: a layout choice changes nothing anyone else sees.
import { z } from "zod";
import { pool, prisma } from "../db/client";
import { mergePreference } from "./queries";
import { CHART_SCALES, CHARTS_PLACEMENTS, LIST_COLUMNS, LIST_DENSITIES, normalizeListPrefs, type ListPrefs } from "../dashboard/list-prefs";

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
  const row = await prisma().userPreference.findUnique({ where: { userId_key: { userId, key: LIST_PREFS_KEY } }, select: { value: true } });
  return normalizeListPrefs(row?.value);
}

/**
 * Merges a change into the stored layout in one statement (two tabs changing different fields
 * at once both keep their change) and returns the result.
 */
export async function updateListPrefs(userId: string, patch: ListPrefsPatch): Promise<ListPrefs> {
  const clean = listPrefsPatchSchema.parse(patch);
  // not a Prisma upsert: that would read, merge and write, and lose one of two concurrent changes
  return normalizeListPrefs(await mergePreference(pool(), userId, LIST_PREFS_KEY, clean));
}
