// The time-range presets for client components that must not pull the filters module's zod
// schemas into their first-load JavaScript. tests/unit/ui-dashboard.test.ts keeps it equal to
// RANGE_PRESETS of server/executions/filters.ts.
export const RANGE_PRESET_OPTIONS = ["15m", "1h", "6h", "24h", "7d", "30d", "90d"] as const;
export type RangePresetOption = (typeof RANGE_PRESET_OPTIONS)[number];
