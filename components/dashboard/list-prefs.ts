"use client";

// How the reader likes the executions list laid out: which columns, row density, whether the
// charts are open and where they sit, and the charts' scale. Kept in localStorage under the
// signed-in user's id, so it follows the user on this browser (not across browsers: a per-user
// server setting would, and is left for later). Read through useSyncExternalStore, so the
// server render and the first client render agree (defaults) and the stored value follows.
import { useCallback, useSyncExternalStore } from "react";

export const LIST_COLUMNS = ["status", "stuck", "workflow", "execution", "attempt", "created", "started", "duration"] as const;
export type ListColumn = (typeof LIST_COLUMNS)[number];

export const COLUMN_LABELS: Record<ListColumn, string> = {
  status: "Status",
  stuck: "Stuck",
  workflow: "Workflow",
  execution: "Execution",
  attempt: "Attempt",
  created: "Created",
  started: "Started",
  duration: "Duration",
};

export type ListPrefs = {
  columns: ListColumn[];
  density: "comfortable" | "compact";
  chartsOpen: boolean;
  chartsPlacement: "below" | "beside";
  chartScale: "linear" | "log";
};

export const DEFAULT_LIST_PREFS: ListPrefs = {
  columns: [...LIST_COLUMNS],
  density: "comfortable",
  chartsOpen: true,
  chartsPlacement: "below",
  chartScale: "linear",
};

/** Stored text → prefs; anything unknown falls back to the default, field by field. Pure. */
export function decodeListPrefs(raw: string | null): ListPrefs {
  if (!raw) return DEFAULT_LIST_PREFS;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return DEFAULT_LIST_PREFS;
  }
  if (typeof v !== "object" || v === null) return DEFAULT_LIST_PREFS;
  const o = v as Record<string, unknown>;
  const columns = Array.isArray(o.columns) ? LIST_COLUMNS.filter((c) => (o.columns as unknown[]).includes(c)) : DEFAULT_LIST_PREFS.columns;
  return {
    // the execution id is the row's link: it cannot be hidden
    columns: columns.includes("execution") ? columns : [...columns, "execution"].sort((a, b) => LIST_COLUMNS.indexOf(a as ListColumn) - LIST_COLUMNS.indexOf(b as ListColumn)) as ListColumn[],
    density: o.density === "compact" ? "compact" : "comfortable",
    chartsOpen: typeof o.chartsOpen === "boolean" ? o.chartsOpen : DEFAULT_LIST_PREFS.chartsOpen,
    chartsPlacement: o.chartsPlacement === "beside" ? "beside" : "below",
    chartScale: o.chartScale === "log" ? "log" : "linear",
  };
}

const listeners = new Set<() => void>();
const storageKey = (userKey: string) => `runwatch:list-prefs:${userKey}`;
const cache = new Map<string, { raw: string | null; prefs: ListPrefs }>();

function read(userKey: string): ListPrefs {
  let raw: string | null = null;
  try {
    raw = window.localStorage.getItem(storageKey(userKey));
  } catch {
    raw = null;
  }
  const hit = cache.get(userKey);
  if (hit && hit.raw === raw) return hit.prefs;
  const prefs = decodeListPrefs(raw);
  cache.set(userKey, { raw, prefs });
  return prefs;
}

function subscribe(cb: () => void) {
  listeners.add(cb);
  window.addEventListener("storage", cb);
  return () => {
    listeners.delete(cb);
    window.removeEventListener("storage", cb);
  };
}

export function useListPrefs(userKey: string): [ListPrefs, (next: Partial<ListPrefs>) => void] {
  const prefs = useSyncExternalStore(
    subscribe,
    () => read(userKey),
    () => DEFAULT_LIST_PREFS,
  );
  const update = useCallback(
    (next: Partial<ListPrefs>) => {
      const merged = { ...read(userKey), ...next };
      try {
        window.localStorage.setItem(storageKey(userKey), JSON.stringify(merged));
      } catch {
        // private mode or a full quota: the choice lasts for this page only
        cache.set(userKey, { raw: "__unsaved__", prefs: merged });
      }
      for (const l of listeners) l();
    },
    [userKey],
  );
  return [prefs, update];
}

/** Whether a media query matches; `serverValue` on the server and while hydrating. */
export function useMediaQuery(query: string, serverValue: boolean): boolean {
  const subscribeMq = useCallback(
    (cb: () => void) => {
      const mq = window.matchMedia(query);
      mq.addEventListener("change", cb);
      return () => mq.removeEventListener("change", cb);
    },
    [query],
  );
  return useSyncExternalStore(
    subscribeMq,
    () => window.matchMedia(query).matches,
    () => serverValue,
  );
}
