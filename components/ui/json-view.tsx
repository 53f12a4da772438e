"use client";

import { useId, useState } from "react";
import { cn, focusRing } from "./cn";

const MAX_CHARS = 200_000;

/** JSON in a collapsible block: closed by default, with its size in the summary line. */
export function JsonView({ label, value, defaultOpen = false, testId }: { label: string; value: unknown; defaultOpen?: boolean; testId?: string }) {
  const [open, setOpen] = useState(defaultOpen);
  const id = useId();
  const empty = value === null || value === undefined;
  const text = empty ? "" : JSON.stringify(value, null, 2);
  const shown = text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}\n… (${(text.length - MAX_CHARS).toLocaleString("en-US")} more characters)` : text;
  return (
    <div data-testid={testId} className="rounded-lg border border-zinc-200 dark:border-zinc-800">
      <button
        type="button"
        aria-expanded={open}
        aria-controls={id}
        disabled={empty}
        onClick={() => setOpen((o) => !o)}
        className={cn("flex w-full items-center justify-between gap-2 rounded-lg px-3 py-2 text-left text-sm font-medium disabled:cursor-default", focusRing)}
      >
        <span>
          <span aria-hidden="true" className="mr-1 inline-block w-3 text-zinc-500">
            {empty ? "" : open ? "▾" : "▸"}
          </span>
          {label}
        </span>
        <span className="text-xs font-normal text-zinc-600 dark:text-zinc-400">{empty ? "none" : `${text.length.toLocaleString("en-US")} chars`}</span>
      </button>
      {open && !empty ? (
        <pre id={id} className="max-h-96 overflow-auto border-t border-zinc-200 bg-zinc-50 p-3 font-mono text-xs dark:border-zinc-800 dark:bg-zinc-900">
          {shown}
        </pre>
      ) : null}
    </div>
  );
}
