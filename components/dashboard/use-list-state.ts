"use client";

// The list's filters, snapshot and cursor stack in the URL through nuqs. Each filter key is
// decoded by the filters module's own parser (an invalid value is dropped, as nuqs does with a
// value its parser rejects), then the whole set is checked once more for rules across keys
// (range vs from/to, from < to).
import { createParser, useQueryStates } from "nuqs";
import { useCallback, useMemo } from "react";
import { FILTER_URL_KEYS, parseFilterQuery, serializeFilterQuery, type FilterUrlState } from "@/server/executions/filter-url";
import { filtersFromQuery, parseCursorStack, parseSnapshot, serializeCursorStack } from "./url-state";

type FilterKey = (typeof FILTER_URL_KEYS)[number];

/** A nuqs parser for one filter key: the raw text is kept only when the filters module accepts it. */
function filterKeyParser(key: FilterKey) {
  return createParser<string>({
    parse: (raw) => {
      const parsed = parseFilterQuery(new URLSearchParams([[key, raw]]));
      if (!parsed.ok || parsed.dropped.length) return null;
      return new URLSearchParams(serializeFilterQuery(parsed.state)).get(key);
    },
    serialize: (v) => v,
  });
}

const snapshotParser = createParser<string>({ parse: (raw) => parseSnapshot(raw), serialize: (v) => v });
const cursorsParser = createParser<string[]>({
  parse: (raw) => {
    const stack = parseCursorStack(raw);
    return stack.length ? stack : null;
  },
  serialize: (v) => serializeCursorStack(v) ?? "",
  eq: (a, b) => a.join(",") === b.join(","),
});

const parsers = {
  ...(Object.fromEntries(FILTER_URL_KEYS.map((k) => [k, filterKeyParser(k)])) as Record<FilterKey, ReturnType<typeof filterKeyParser>>),
  snap: snapshotParser,
  pages: cursorsParser,
};

export type ListUrlState = {
  filters: FilterUrlState;
  /** canonical filter query string (what the server and saved views take) */
  query: string;
  snapshotId: string | null;
  cursors: string[];
};

export function useListUrlState() {
  const [raw, setRaw] = useQueryStates(parsers, { history: "push", clearOnDefault: true });

  const state: ListUrlState = useMemo(() => {
    const q = new URLSearchParams();
    for (const k of FILTER_URL_KEYS) {
      const v = raw[k];
      if (v !== null && v !== "") q.set(k, v);
    }
    const { state: filters, query } = filtersFromQuery(q.toString());
    return { filters, query, snapshotId: raw.snap, cursors: raw.pages ?? [] };
  }, [raw]);

  /** New filters start a new snapshot on page one. */
  const setFilters = useCallback(
    (next: Partial<FilterUrlState>) => {
      const merged = { ...state.filters, ...next };
      const q = new URLSearchParams(serializeFilterQuery(merged));
      const update: Record<string, string | string[] | null> = { snap: null, pages: null };
      for (const k of FILTER_URL_KEYS) update[k] = q.get(k);
      void setRaw(update);
    },
    [state.filters, setRaw],
  );

  /** Replaces every filter with those of a query string (a saved view). */
  const applyQuery = useCallback(
    (query: string) => {
      const q = new URLSearchParams(filtersFromQuery(query).query);
      const update: Record<string, string | string[] | null> = { snap: null, pages: null };
      for (const k of FILTER_URL_KEYS) update[k] = q.get(k);
      void setRaw(update);
    },
    [setRaw],
  );

  /**
   * Moves through the pages of one snapshot. The snapshot is written to the URL together with the
   * cursor stack, in one update, so a reload or a shared link of any page (page one included,
   * once the reader has paged) shows the same rows.
   */
  const setPage = useCallback((pages: string[], snap: string | null) => void setRaw({ pages: pages.length ? pages : null, snap }), [setRaw]);
  /** "N new — show": back to page one of a fresh snapshot, filters kept. */
  const clearSnapshot = useCallback(() => void setRaw({ snap: null, pages: null }), [setRaw]);

  return { state, setFilters, applyQuery, setPage, clearSnapshot };
}
