// The one cursor codec of every keyset list (REST and tRPC executions, the timeline, alerts, the
// audit log): the last row's position as (timestamp, bigint id), plus the list's snapshot
// high-water mark where it has one, as base64url JSON. Opaque to callers; a cursor that does not
// decode is null, and each list answers that with its own 400.
import { z } from "zod";

/** A row's place in a list ordered by (at DESC, id DESC): at as an ISO timestamp, id as digits. */
export type Keyset = { at: string; id: string };
/** The dashboard's position also pins its snapshot: rows newer than snapshotId are left out. */
export type SnapshotKeyset = Keyset & { snapshotId: string };

const bigintId = z.string().regex(/^\d{1,19}$/);
const cursorSchema = z.union([z.tuple([z.iso.datetime(), bigintId]), z.tuple([z.iso.datetime(), bigintId, bigintId])]);

export function encodeCursor(k: Keyset | SnapshotKeyset): string {
  const parts = "snapshotId" in k ? [k.at, k.id, k.snapshotId] : [k.at, k.id];
  return Buffer.from(JSON.stringify(parts)).toString("base64url");
}

/** The position, with snapshotId null when the cursor has none; null for anything else. */
export function decodeCursor(raw: string): (Keyset & { snapshotId: string | null }) | null {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(raw, "base64url").toString("utf8")));
    if (!parsed.success) return null;
    const [at, id, snapshotId] = parsed.data;
    return { at, id, snapshotId: snapshotId ?? null };
  } catch {
    return null;
  }
}
