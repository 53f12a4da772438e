"use client";

// Recharts lives only in this module (and stage-bars.tsx), loaded on demand through ./lazy.tsx,
// so it is not part of any route's first-load JavaScript.
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatDuration, formatPercent, STATUS_LABELS } from "@/components/executions/format";
import type { ChartOutput } from "@/server/aggregates/charts";
import { STATUSES, type Status } from "@/server/executions/status";
import { STATUS_COLORS } from "./colors";

export const CHART_HEIGHT = 220;

function tickFormatter(bucketMs: number) {
  const daily = bucketMs >= 86_400_000;
  const fmt = new Intl.DateTimeFormat(undefined, daily ? { month: "short", day: "numeric" } : { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return (t: number) => fmt.format(new Date(t));
}

const axis = { stroke: "currentColor", fontSize: 11 };
const tooltipStyle = { contentStyle: { background: "var(--tooltip-bg, #fff)", color: "#18181b", fontSize: 12 } };

export type ChartControls = {
  /** "log": a symmetric log scale on the count axes, so one spike does not flatten the rest */
  scale?: "linear" | "log";
  /** a bar was clicked: its bucket becomes the list's time range */
  onPickRange?: (from: Date, to: Date) => void;
  /** a legend entry was clicked: that status becomes the list's status filter */
  onPickStatus?: (status: Status) => void;
};

export default function ExecutionCharts({ data, scale = "linear", onPickRange, onPickStatus }: { data: ChartOutput } & ChartControls) {
  const points = data.points.map((p) => ({
    t: p.start.getTime(),
    ...p.counts,
    failureRate: p.failureRate === null ? null : p.failureRate * 100,
    p50: p.p50Ms,
    p95: p.p95Ms,
  }));
  const fmt = tickFormatter(data.bucketMs);
  const present = STATUSES.filter((s) => data.points.some((p) => p.counts[s] > 0));
  const countScale = scale === "log" ? ("symlog" as const) : ("linear" as const);
  const pickBar = onPickRange
    ? (entry: unknown) => {
        const t = (entry as { payload?: { t?: number } }).payload?.t;
        if (typeof t === "number") onPickRange(new Date(t), new Date(t + data.bucketMs));
      }
    : undefined;
  return (
    <div className="@container"><div className="grid gap-4 @3xl:grid-cols-3">
      <figure data-testid="chart-status" data-scale={scale} className="@3xl:col-span-3 text-zinc-600 dark:text-zinc-400">
        <figcaption className="mb-1 text-sm font-medium text-zinc-800 dark:text-zinc-200">
          Executions over time, by status
          {onPickRange ? <span className="ml-2 text-xs font-normal text-zinc-600 dark:text-zinc-400">click a bar to list its hours; click a status in the legend to filter by it</span> : null}
        </figcaption>
        <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
          <BarChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
            <XAxis dataKey="t" type="category" tickFormatter={fmt} {...axis} minTickGap={24} />
            <YAxis allowDecimals={false} scale={countScale} domain={[0, "auto"]} {...axis} width={40} />
            <Tooltip labelFormatter={(t) => fmt(Number(t))} {...tooltipStyle} />
            <Legend
              wrapperStyle={{ fontSize: 12, cursor: onPickStatus ? "pointer" : undefined }}
              onClick={onPickStatus ? (e) => STATUSES.includes(e.dataKey as Status) && onPickStatus(e.dataKey as Status) : undefined}
            />
            {present.map((s) => (
              <Bar key={s} dataKey={s} name={STATUS_LABELS[s]} stackId="status" fill={STATUS_COLORS[s]} isAnimationActive={false} onClick={pickBar} cursor={pickBar ? "pointer" : undefined} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </figure>
      <figure data-testid="chart-failure-rate" className="text-zinc-600 dark:text-zinc-400">
        <figcaption className="mb-1 text-sm font-medium text-zinc-800 dark:text-zinc-200">
          Failure rate{" "}
          <span className="text-xs font-normal text-zinc-600 dark:text-zinc-400">(not shown where fewer than {data.failureRateMinFinished} runs finished)</span>
        </figcaption>
        <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
          <LineChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
            <XAxis dataKey="t" tickFormatter={fmt} {...axis} minTickGap={24} />
            <YAxis domain={[0, 100]} unit="%" {...axis} width={44} />
            <Tooltip labelFormatter={(t) => fmt(Number(t))} formatter={(v) => formatPercent(typeof v === "number" ? v / 100 : null)} {...tooltipStyle} />
            <Line dataKey="failureRate" name="Failure rate" stroke={STATUS_COLORS.FAILED} dot={false} connectNulls={false} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </figure>
      <figure data-testid="chart-duration" className="@3xl:col-span-2 text-zinc-600 dark:text-zinc-400">
        <figcaption className="mb-1 text-sm font-medium text-zinc-800 dark:text-zinc-200">Duration p50 / p95</figcaption>
        <ResponsiveContainer width="100%" height={CHART_HEIGHT}>
          <LineChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} />
            <XAxis dataKey="t" tickFormatter={fmt} {...axis} minTickGap={24} />
            <YAxis tickFormatter={(v: number) => formatDuration(v)} {...axis} width={64} />
            <Tooltip labelFormatter={(t) => fmt(Number(t))} formatter={(v) => formatDuration(typeof v === "number" ? v : null)} {...tooltipStyle} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Line dataKey="p50" name="p50" stroke="#3b82f6" dot={false} connectNulls isAnimationActive={false} />
            <Line dataKey="p95" name="p95" stroke="#a855f7" dot={false} connectNulls isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </figure>
    </div></div>
  );
}
