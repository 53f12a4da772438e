// How a user likes the executions list laid out: which columns, row density, whether the charts
// are open and where they sit, and the charts' scale. Pure and free of zod, so the browser reads
// its first-paint copy (localStorage) with the same rules the server stores it by
// (server/users/preferences.ts).

export const LIST_COLUMNS = ["status", "stuck", "workflow", "execution", "attempt", "created", "started", "duration"] as const;
export type ListColumn = (typeof LIST_COLUMNS)[number];
export const LIST_DENSITIES = ["comfortable", "compact"] as const;
export const CHARTS_PLACEMENTS = ["below", "beside"] as const;
export const CHART_SCALES = ["linear", "log"] as const;

export type ListPrefs = {
  columns: ListColumn[];
  density: (typeof LIST_DENSITIES)[number];
  chartsOpen: boolean;
  chartsPlacement: (typeof CHARTS_PLACEMENTS)[number];
  chartScale: (typeof CHART_SCALES)[number];
};

export const DEFAULT_LIST_PREFS: ListPrefs = {
  columns: [...LIST_COLUMNS],
  density: "comfortable",
  chartsOpen: true,
  chartsPlacement: "below",
  chartScale: "linear",
};

const oneOf = <T extends string>(allowed: readonly T[], v: unknown, fallback: T): T => (allowed.includes(v as T) ? (v as T) : fallback);

/** Any value → prefs; anything unknown falls back to the default, field by field. Pure. */
export function normalizeListPrefs(v: unknown): ListPrefs {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return DEFAULT_LIST_PREFS;
  const o = v as Record<string, unknown>;
  const chosen = Array.isArray(o.columns) ? LIST_COLUMNS.filter((c) => (o.columns as unknown[]).includes(c)) : DEFAULT_LIST_PREFS.columns;
  return {
    // the execution id is the row's link: it cannot be hidden
    columns: LIST_COLUMNS.filter((c) => c === "execution" || chosen.includes(c)),
    density: oneOf(LIST_DENSITIES, o.density, DEFAULT_LIST_PREFS.density),
    chartsOpen: typeof o.chartsOpen === "boolean" ? o.chartsOpen : DEFAULT_LIST_PREFS.chartsOpen,
    chartsPlacement: oneOf(CHARTS_PLACEMENTS, o.chartsPlacement, DEFAULT_LIST_PREFS.chartsPlacement),
    chartScale: oneOf(CHART_SCALES, o.chartScale, DEFAULT_LIST_PREFS.chartScale),
  };
}

/** Stored text (localStorage) → prefs. Pure. */
export function decodeListPrefs(raw: string | null): ListPrefs {
  if (!raw) return DEFAULT_LIST_PREFS;
  try {
    return normalizeListPrefs(JSON.parse(raw));
  } catch {
    return DEFAULT_LIST_PREFS;
  }
}
