"use client";

import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatDuration, STATUS_LABELS } from "@/components/executions/format";
import type { Status } from "@/server/executions/status";
import { STATUS_COLORS } from "./colors";

export type StageBar = { status: Status; durationMs: number | null; current: boolean };

/** Time spent in each lifecycle stage, one horizontal bar per stage. */
export default function StageBars({ stages }: { stages: StageBar[] }) {
  const data = stages
    .filter((s) => s.durationMs !== null)
    .map((s, i) => ({ key: `${i}`, label: `${STATUS_LABELS[s.status]}${s.current ? " (now)" : ""}`, ms: s.durationMs ?? 0, status: s.status }));
  return (
    <figure data-testid="stage-chart" className="text-zinc-600 dark:text-zinc-400">
      <figcaption className="sr-only">Time spent in each stage</figcaption>
      <ResponsiveContainer width="100%" height={Math.max(80, data.length * 36 + 30)}>
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" strokeOpacity={0.3} horizontal={false} />
          <XAxis type="number" tickFormatter={(v: number) => formatDuration(v)} stroke="currentColor" fontSize={11} />
          <YAxis type="category" dataKey="label" width={130} stroke="currentColor" fontSize={11} />
          <Tooltip formatter={(v) => formatDuration(typeof v === "number" ? v : null)} contentStyle={{ color: "#18181b", fontSize: 12 }} />
          <Bar dataKey="ms" name="Time in stage" isAnimationActive={false}>
            {data.map((d) => (
              <Cell key={d.key} fill={STATUS_COLORS[d.status]} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
