// Helpers for the dashboard's browser tests: an API key for the demo organization (made in the
// database the server uses, hash only, as server/apikeys/service.ts stores it), events through
// the HTTP API, and full listings through GET /api/v1/executions to compare the UI against.
import { expect, type APIRequestContext } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { displayPrefix, generateApiKey, hashApiKey } from "../server/apikeys/keys";
import { DEMO_ORG_SLUG, withDb } from "./fixtures/auth";

let cachedKey: string | null = null;

export async function demoApiKey(): Promise<string> {
  if (cachedKey) return cachedKey;
  const key = generateApiKey();
  await withDb((c) =>
    c.query(
      `INSERT INTO api_keys ("orgId", id, name, prefix, "keyHash") SELECT o.id, gen_random_uuid(), 'e2e dashboard', $2, $3 FROM organizations o WHERE o.slug = $1`,
      [DEMO_ORG_SLUG, displayPrefix(key), hashApiKey(key)],
    ),
  );
  cachedKey = key;
  return key;
}

export const uid = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;

export type ApiEvent = {
  eventId?: string;
  executionId: string;
  workflow?: string;
  status?: string;
  type?: "status" | "heartbeat";
  occurredAt?: string;
  attempt?: number;
  metadata?: Record<string, string>;
};

export async function sendEvents(request: APIRequestContext, events: ApiEvent[]): Promise<{ eventId: string; outcome: string; reason?: string }[]> {
  const key = await demoApiKey();
  const res = await request.post("/api/v1/events", {
    headers: { authorization: `Bearer ${key}` },
    data: { events: events.map((e) => ({ eventId: e.eventId ?? uid("ev"), ...e })) },
  });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()).results;
}

type ApiExecution = { executionId: string; status: string; stuck: boolean; workflow: string };

/** Every execution the API lists for a query string (status=…&stuck=true…), newest first. */
export async function listAll(request: APIRequestContext, query: string): Promise<ApiExecution[]> {
  const key = await demoApiKey();
  const items: ApiExecution[] = [];
  let cursor: string | null = null;
  do {
    const res = await request.get(`/api/v1/executions?${query}${query ? "&" : ""}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status(), await res.text()).toBe(200);
    const body = (await res.json()) as { items: ApiExecution[]; nextCursor: string | null };
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return items;
}

/** The executions a snapshot of the list holds, from the database, in the list's order. */
export async function snapshotRows(snapshotId: string): Promise<string[]> {
  return withDb(async (c) => {
    const { rows } = await c.query<{ executionId: string }>(
      `SELECT e."executionId" FROM executions e JOIN organizations o ON o.id = e."orgId"
        WHERE o.slug = $1 AND e.id <= $2::bigint ORDER BY e."createdAt" DESC, e.id DESC`,
      [DEMO_ORG_SLUG, snapshotId],
    );
    return rows.map((r) => r.executionId);
  });
}

export const listUrl = (query = "") => `/o/${DEMO_ORG_SLUG}/executions${query ? `?${query}` : ""}`;
export const detailUrl = (executionId: string) => `/o/${DEMO_ORG_SLUG}/executions/${encodeURIComponent(executionId)}`;
