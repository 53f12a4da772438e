"use client";

import { useEffect, useState } from "react";

/** How often visible data is polled: a status change reaches an open page within 5 s. */
export const LIVE_MS = 3_000;

/** The current time, ticking, for ages such as "stuck for 12 min". */
export function useNow(everyMs = 5_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
