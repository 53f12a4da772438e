"use client";

// How the reader likes the executions list laid out (columns, density, charts open / beside /
// below, scale; the shape and its rules are server/executions/list-prefs.ts). Remembered per user
// on the server (session.listPrefs), so it follows the user to any browser; localStorage, under
// the user's id, only paints the first frame before the server's answer arrives. Read through
// useSyncExternalStore, so the server render and the first client render agree (defaults) and
// the stored value follows.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useSyncExternalStore } from "react";
import { useTRPC } from "@/components/trpc/react";
import { decodeListPrefs, DEFAULT_LIST_PREFS, LIST_COLUMNS, type ListColumn, type ListPrefs } from "@/server/executions/list-prefs";

export { decodeListPrefs, DEFAULT_LIST_PREFS, LIST_COLUMNS, type ListColumn, type ListPrefs };

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

/** Writes the first-paint copy and tells every reader on this page. */
function writeLocal(userKey: string, prefs: ListPrefs) {
  try {
    window.localStorage.setItem(storageKey(userKey), JSON.stringify(prefs));
  } catch {
    // private mode or a full quota: the server still keeps the choice
    cache.set(userKey, { raw: "__unsaved__", prefs });
  }
  for (const l of listeners) l();
}

const samePrefs = (a: ListPrefs, b: ListPrefs) => JSON.stringify(a) === JSON.stringify(b);

export function useListPrefs(userKey: string): [ListPrefs, (next: Partial<ListPrefs>) => void] {
  const trpc = useTRPC();
  const prefs = useSyncExternalStore(
    subscribe,
    () => read(userKey),
    () => DEFAULT_LIST_PREFS,
  );
  const stored = useQuery({ ...trpc.session.listPrefs.queryOptions(), staleTime: Infinity, refetchOnWindowFocus: false, retry: 1 });
  const save = useMutation(trpc.session.setListPrefs.mutationOptions());
  // a choice made on this page wins over a server answer that was already on its way
  const changedHere = useRef(false);
  useEffect(() => {
    if (stored.data && !changedHere.current && !samePrefs(stored.data, read(userKey))) writeLocal(userKey, stored.data);
  }, [stored.data, userKey]);
  const { mutate } = save;
  const update = useCallback(
    (next: Partial<ListPrefs>) => {
      changedHere.current = true;
      writeLocal(userKey, { ...read(userKey), ...next });
      mutate(next);
    },
    [userKey, mutate],
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
