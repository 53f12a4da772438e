// The SQL of the outbox and the delivery worker (server/db/sql.ts): the channels a message goes
// to, queuing notifications in the caller's transaction, the worker's claim (FOR UPDATE SKIP
// LOCKED) and the record of each attempt.
import { z } from "zod";
import { defineCommand, defineQuery, type Queryable } from "../db/sql";

const ENABLED_CHANNELS = defineQuery(
  "delivery.enabledChannels",
  `SELECT "orgId"::text AS "orgId", id::text AS id, "stormGrouping" FROM alert_channels WHERE "orgId" = ANY($1::uuid[]) AND "disabledAt" IS NULL ORDER BY "createdAt", id`,
  z.object({ orgId: z.string(), id: z.string(), stormGrouping: z.boolean() }),
);
/** The enabled channels of these organizations, oldest first. */
export const enabledChannelRows = (db: Queryable, orgIds: readonly string[]) => ENABLED_CHANNELS.all(db, [orgIds]);

const INSERT_NOTIFICATIONS = defineQuery(
  "delivery.insertNotifications",
  `INSERT INTO notifications ("orgId", "channelId", type, "alertIds", "messageId", payload, state)
   SELECT x."orgId", x."channelId", x.type, x."alertIds", x."messageId", x.payload, $2::"NotificationState"
   FROM jsonb_to_recordset($1::jsonb) AS x("orgId" uuid, "channelId" uuid, type text, "alertIds" bigint[], "messageId" text, payload jsonb)
   RETURNING id::text`,
  z.object({ id: z.string() }),
);
export type NotificationInsert = { orgId: string; channelId: string; type: string; alertIds: string[]; messageId: string; payload: unknown };
/** Queues notifications in one statement (one JSON parameter, whatever their number); their ids. */
export const insertNotifications = async (db: Queryable, rows: readonly NotificationInsert[], state: string) =>
  (await INSERT_NOTIFICATIONS.all(db, [JSON.stringify(rows), state])).map((r) => r.id);

const CLAIM = defineQuery(
  "delivery.claim",
  `WITH due AS (
     SELECT "orgId", id FROM notifications
     WHERE state = 'PENDING' AND "nextAttemptAt" <= now() AND ($3::uuid[] IS NULL OR "orgId" = ANY($3::uuid[]))
     ORDER BY "nextAttemptAt" LIMIT $1
     FOR UPDATE SKIP LOCKED
   ), claimed AS (
     UPDATE notifications n SET attempts = n.attempts + 1, "nextAttemptAt" = now() + make_interval(secs => $2)
     FROM due WHERE n."orgId" = due."orgId" AND n.id = due.id
     RETURNING n."orgId", n.id, n."channelId", n."messageId", n.payload, n.attempts, n."createdAt", n.type
   )
   SELECT c."orgId"::text AS "orgId", c.id::text AS id, c."channelId"::text AS "channelId", c."messageId", c.payload, c.attempts, c."createdAt", c.type,
          ch.type AS "channelType", ch.name AS "channelName", ch.config, ch.secret, ch."disabledAt"
   FROM claimed c LEFT JOIN alert_channels ch ON ch."orgId" = c."orgId" AND ch.id = c."channelId"`,
  z.object({
    orgId: z.string(),
    id: z.string(),
    channelId: z.string(),
    messageId: z.string(),
    payload: z.unknown(),
    attempts: z.number(),
    createdAt: z.date(),
    type: z.string(),
    channelType: z.enum(["WEBHOOK", "SLACK", "EMAIL"]).nullable(),
    channelName: z.string().nullable(),
    config: z.unknown(),
    secret: z.string().nullable(),
    disabledAt: z.date().nullable(),
  }),
);
/**
 * Takes up to `limit` due notifications: the claim pushes nextAttemptAt `claimSeconds` ahead, so
 * a worker that dies mid-send leaves the row to another after that.
 */
export const claimDue = (db: Queryable, limit: number, claimSeconds: number, orgIds: readonly string[] | null) => CLAIM.all(db, [limit, claimSeconds, orgIds]);
export type ClaimedRow = Awaited<ReturnType<typeof claimDue>>[number];

const INSERT_ATTEMPT = defineCommand(
  "delivery.insertAttempt",
  `INSERT INTO delivery_attempts ("orgId", "notificationId", "channelId", attempt, at, "statusCode", "latencyMs", ok, error)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
);
export type AttemptInsert = { orgId: string; notificationId: string; channelId: string; attempt: number; at: Date; statusCode: number | null; latencyMs: number; ok: boolean; error: string | null };
export const insertAttempt = (db: Queryable, a: AttemptInsert) =>
  INSERT_ATTEMPT.run(db, [a.orgId, a.notificationId, a.channelId, a.attempt, a.at, a.statusCode, a.latencyMs, a.ok, a.error]);

// the attempts guard: if this claim expired and another worker took the row, its outcome wins
const SETTLE = defineCommand(
  "delivery.settle",
  `UPDATE notifications SET state = $4::"NotificationState", "nextAttemptAt" = COALESCE($5, "nextAttemptAt"),
     "deliveredAt" = CASE WHEN $4 = 'DELIVERED' THEN now() ELSE "deliveredAt" END, "lastError" = $6
   WHERE "orgId" = $1 AND id = $2 AND attempts = $3 AND state = 'PENDING'`,
);
/** Records a claimed notification's outcome (retry at `retryAt`, or a final state). */
export const settleNotification = (db: Queryable, n: { orgId: string; id: string; attempts: number }, state: string, retryAt: Date | null, error: string | null) =>
  SETTLE.run(db, [n.orgId, n.id, n.attempts, state, retryAt, error]);
