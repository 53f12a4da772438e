// POST /api/v1/events: one event, or {"events": [ … ]} of 1–1000.
import { MAX_EVENTS_PER_BATCH } from "../../ingest/event-schema";
import { ingestCoalesced } from "../../ingest/coalescer";
import { metrics } from "../../metrics/prometheus";
import { HttpError, json, readJson, requireApiKey, route } from "../api";

/** The events a body carries, or a 400 when the body is not of the contract's shape. */
export function eventsOf(body: unknown): { events: unknown[]; single: boolean } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'body must be one event object or {"events": [ … ]}');
  }
  if (!("events" in body)) return { events: [body], single: true };
  const events = (body as { events: unknown }).events;
  if (!Array.isArray(events)) throw new HttpError(400, '"events" must be an array of 1 to 1000 events');
  if (events.length < 1 || events.length > MAX_EVENTS_PER_BATCH) {
    throw new HttpError(400, `"events" must hold 1 to ${MAX_EVENTS_PER_BATCH} events; it holds ${events.length}`);
  }
  return { events, single: false };
}

export const postEvents = route("/api/v1/events", async (req) => {
  const principal = await requireApiKey(req);
  const { events, single } = eventsOf(await readJson(req));
  const results = await ingestCoalesced(principal.orgId, events);
  for (const r of results) metrics().ingestedEvents.inc({ outcome: r.outcome });
  // A lone event that fails validation is the whole request's mistake: say so with a 400.
  if (single && results[0]!.outcome === "invalid") {
    return json({ error: results[0]!.reason, results }, 400);
  }
  return json({ results });
});
