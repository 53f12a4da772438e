"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/react";
import { STATUS_LABELS } from "@/components/executions/format";
import { Button } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { RANGE_PRESETS, type FilterUrlState, type RangePreset } from "@/server/executions/filter-url";
import { STATUSES, type Status } from "@/server/executions/status";
import { formatMetadataInput, fromLocalInput, parseMetadataInput, toLocalInput } from "./url-state";

const input = cn(
  "h-9 rounded-md border border-zinc-300 bg-white px-2 text-sm text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100",
  focusRing,
);
const label = "text-xs font-medium text-zinc-700 dark:text-zinc-300";

const RANGE_LABELS: Record<RangePreset, string> = { "15m": "Last 15 min", "1h": "Last hour", "6h": "Last 6 h", "24h": "Last 24 h", "7d": "Last 7 days", "30d": "Last 30 days", "90d": "Last 90 days" };

export function FiltersBar({ orgSlug, filters, onChange }: { orgSlug: string; filters: FilterUrlState; onChange: (next: Partial<FilterUrlState>) => void }) {
  const trpc = useTRPC();
  const workflows = useQuery({ ...trpc.workflows.list.queryOptions({ orgSlug }), staleTime: 60_000 });
  const rangeValue = filters.range ?? (filters.from || filters.to ? "custom" : "all");
  const [customOpen, setCustomOpen] = useState(rangeValue === "custom");

  const toggleStatus = (s: Status) => {
    const has = filters.statuses.includes(s);
    onChange({ statuses: has ? filters.statuses.filter((x) => x !== s) : [...filters.statuses, s] });
  };

  return (
    <section aria-label="Filters" data-testid="filters" className="space-y-2 rounded-lg border border-zinc-200 px-3 py-2 dark:border-zinc-800">
      <fieldset className="flex flex-wrap items-center gap-1.5">
        <legend className={cn(label, "float-left mr-1")}>Status</legend>
        <select
          aria-label="Status filter mode"
          data-testid="status-mode"
          className={cn(input, "h-8 text-xs")}
          value={filters.statusMode}
          onChange={(e) => onChange({ statusMode: e.target.value as "include" | "exclude" })}
        >
          <option value="include">Only these</option>
          <option value="exclude">All but these</option>
        </select>
        {STATUSES.map((s) => {
          const on = filters.statuses.includes(s);
          return (
            <button
              key={s}
              type="button"
              aria-pressed={on}
              data-testid={`status-toggle-${s}`}
              onClick={() => toggleStatus(s)}
              className={cn(
                "h-8 rounded-full px-2.5 text-xs font-medium ring-1 ring-inset",
                focusRing,
                on
                  ? filters.statusMode === "exclude"
                    ? "bg-red-700 text-white ring-red-700 line-through dark:bg-red-700"
                    : "bg-blue-700 text-white ring-blue-700 dark:bg-blue-600"
                  : "bg-white text-zinc-800 ring-zinc-300 hover:bg-zinc-50 dark:bg-zinc-900 dark:text-zinc-200 dark:ring-zinc-700",
              )}
            >
              {STATUS_LABELS[s]}
            </button>
          );
        })}
        <label className="ml-2 inline-flex items-center gap-1.5 text-sm">
          <input type="checkbox" data-testid="stuck-only" className={cn("h-4 w-4", focusRing)} checked={filters.stuck} onChange={(e) => onChange({ stuck: e.target.checked })} />
          Stuck only
        </label>
      </fieldset>

      <div className="flex flex-wrap items-end gap-x-3 gap-y-2">
        <WorkflowPicker options={workflows.data?.items.map((w) => w.key) ?? []} selected={filters.workflows} onChange={(workflows) => onChange({ workflows })} />

        <div className="flex flex-col gap-1">
          <label htmlFor="range" className={label}>
            Created
          </label>
          <select
            id="range"
            data-testid="range"
            className={input}
            value={customOpen ? "custom" : rangeValue}
            onChange={(e) => {
              const v = e.target.value;
              if (v === "custom") {
                setCustomOpen(true);
                return;
              }
              setCustomOpen(false);
              onChange({ range: v === "all" ? undefined : (v as RangePreset), from: undefined, to: undefined });
            }}
          >
            <option value="all">Any time</option>
            {RANGE_PRESETS.map((r) => (
              <option key={r} value={r}>
                {RANGE_LABELS[r]}
              </option>
            ))}
            <option value="custom">Custom…</option>
          </select>
        </div>
        {customOpen ? <CustomRange from={filters.from} to={filters.to} onApply={(from, to) => onChange({ range: undefined, from, to })} /> : null}

        <TextFilter
          id="q"
          testId="search"
          labelText="Search"
          placeholder="id or workflow contains…"
          value={filters.search ?? ""}
          onApply={(v) => onChange({ search: v.trim() || undefined })}
        />
        <TextFilter
          id="meta"
          testId="metadata"
          labelText="Metadata"
          placeholder="env=prod, team=pay"
          value={formatMetadataInput(filters.metadata)}
          validate={(v) => (parseMetadataInput(v) ? null : "write key=value, separated by commas")}
          onApply={(v) => onChange({ metadata: parseMetadataInput(v) ?? [] })}
        />
      </div>
    </section>
  );
}

function WorkflowPicker({ options, selected, onChange }: { options: string[]; selected: string[]; onChange: (keys: string[]) => void }) {
  const all = [...new Set([...selected, ...options])];
  return (
    <details className="relative" data-testid="workflow-picker">
      <summary className={cn(input, "flex cursor-pointer list-none items-center gap-1")}>
        <span className="text-xs font-medium text-zinc-700 dark:text-zinc-300">Workflows:</span>
        <span className="max-w-40 truncate sm:max-w-56">{selected.length ? selected.join(", ") : "all"}</span>
        <span aria-hidden="true">▾</span>
      </summary>
      <fieldset className="absolute z-20 mt-1 max-h-72 w-72 max-w-[calc(100vw-2rem)] overflow-auto rounded-md border border-zinc-200 bg-white p-2 shadow-lg dark:border-zinc-700 dark:bg-zinc-900">
        <legend className="sr-only">Workflows</legend>
        {all.length === 0 ? <p className="p-1 text-sm text-zinc-600 dark:text-zinc-400">No workflows yet</p> : null}
        {all.map((k) => (
          <label key={k} className="flex items-center gap-2 rounded px-1 py-1 text-sm hover:bg-zinc-50 dark:hover:bg-zinc-800">
            <input
              type="checkbox"
              className={cn("h-4 w-4", focusRing)}
              checked={selected.includes(k)}
              onChange={(e) => onChange(e.target.checked ? [...selected, k] : selected.filter((x) => x !== k))}
            />
            <span className="truncate">{k}</span>
          </label>
        ))}
        {selected.length ? (
          <Button size="sm" variant="ghost" className="mt-1 w-full" onClick={() => onChange([])}>
            Clear
          </Button>
        ) : null}
      </fieldset>
    </details>
  );
}

function CustomRange({ from, to, onApply }: { from?: Date; to?: Date; onApply: (from: Date | undefined, to: Date | undefined) => void }) {
  const [a, setA] = useState(toLocalInput(from));
  const [b, setB] = useState(toLocalInput(to));
  const fa = fromLocalInput(a);
  const fb = fromLocalInput(b);
  const error = fa && fb && fa >= fb ? "From must be before To" : null;
  return (
    <form
      className="flex flex-wrap items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        if (!error) onApply(fa ?? undefined, fb ?? undefined);
      }}
    >
      <div className="flex flex-col gap-1">
        <label htmlFor="from" className={label}>
          From (your time)
        </label>
        <input id="from" data-testid="range-from" type="datetime-local" className={input} value={a} onChange={(e) => setA(e.target.value)} />
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor="to" className={label}>
          To
        </label>
        <input id="to" data-testid="range-to" type="datetime-local" className={input} value={b} onChange={(e) => setB(e.target.value)} />
      </div>
      <Button type="submit" disabled={!!error}>
        Apply
      </Button>
      {error ? (
        <p role="alert" className="text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
    </form>
  );
}

function TextFilter({
  id,
  testId,
  labelText,
  placeholder,
  value,
  validate,
  onApply,
}: {
  id: string;
  testId: string;
  labelText: string;
  placeholder: string;
  value: string;
  validate?: (v: string) => string | null;
  onApply: (v: string) => void;
}) {
  const [text, setText] = useState(value);
  const [synced, setSynced] = useState(value);
  // the URL changed under us (back button, saved view): show its value
  if (value !== synced) {
    setSynced(value);
    setText(value);
  }
  const error = validate ? validate(text) : null;
  return (
    <form
      className="flex min-w-0 flex-col gap-1"
      onSubmit={(e) => {
        e.preventDefault();
        if (!error) onApply(text);
      }}
    >
      <label htmlFor={id} className={label}>
        {labelText}
      </label>
      <div className="flex min-w-0 gap-1">
        <input
          id={id}
          data-testid={testId}
          className={cn(input, "w-full min-w-0 sm:w-48")}
          placeholder={placeholder}
          value={text}
          aria-invalid={!!error}
          aria-describedby={error ? `${id}-error` : undefined}
          onChange={(e) => setText(e.target.value)}
        />
        <Button type="submit" disabled={!!error} aria-label={`Apply ${labelText.toLowerCase()} filter`}>
          Apply
        </Button>
      </div>
      {error ? (
        <p id={`${id}-error`} className="text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
    </form>
  );
}
