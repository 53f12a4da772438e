// POST /api/v1/events: one event, or {"events": [ … ]} of 1–1000.
import { MAX_EVENTS_PER_BATCH } from "../../ingest/event-schema";
import { ingestCoalesced } from "../../ingest/coalescer";
import { metrics } from "../../metrics/prometheus";
import { BadRequestError, type ApiErrorCode } from "../../errors";
import { apiKeyContext, json, rateLimitHeaders, readJson, requireApiKey, route } from "../api";

/** The events a body carries, or a 400 when the body is not of the contract's shape. */
export function eventsOf(body: unknown): { events: unknown[]; single: boolean } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequestError('body must be one event object or {"events": [ … ]}', { apiCode: "INVALID_BODY" });
  }
  if (!("events" in body)) return { events: [body], single: true };
  const events = (body as { events: unknown }).events;
  if (!Array.isArray(events)) throw new BadRequestError('"events" must be an array of 1 to 1000 events', { apiCode: "INVALID_BODY" });
  if (events.length < 1 || events.length > MAX_EVENTS_PER_BATCH) {
    throw new BadRequestError(`"events" must hold 1 to ${MAX_EVENTS_PER_BATCH} events; it holds ${events.length}`, { apiCode: "INVALID_BODY" });
  }
  return { events, single: false };
}

export const postEvents = route("/api/v1/events", async (req) => {
  const principal = await requireApiKey(req);
  const { events, single } = eventsOf(await readJson(req, { guardedPerEvent: true }));
  const results = await ingestCoalesced(apiKeyContext(req, principal), { events });
  for (const r of results) metrics().ingestedEvents.inc({ outcome: r.outcome });
  // A lone event that fails validation is the whole request's mistake: say so with a 400.
  if (single && results[0]!.outcome === "invalid") {
    return json({ error: results[0]!.reason, code: "INVALID_EVENT" satisfies ApiErrorCode, results }, 400);
  }
  return json({ results }, 200, rateLimitHeaders(principal.rateLimit));
});
