import { Badge } from "@/components/ui/badge";
import { stuckLabel } from "./format";

/** "stuck in Scheduled for 12 min", or nothing for an execution that is not stuck. */
export function StuckFlag({ reason, since, now }: { reason: "scheduled" | "running" | null; since: Date | string | null; now: Date }) {
  const label = stuckLabel(reason, since, now);
  if (!label) return null;
  return (
    <Badge tone="warning" data-testid="stuck-flag" data-stuck-reason={reason ?? undefined}>
      <span aria-hidden="true" className="mr-1">
        ⚠
      </span>
      {label}
    </Badge>
  );
}
