// The sign-in limit per account, kept in better-auth's rate_limits table under keys of our own.
import { z } from "zod";
import { defineCommand, defineQuery, type Queryable } from "../db/sql";

// one statement, so concurrent attempts at one account each count: the window restarts when the
// last one began windowMs ago or more
const TAKE_ATTEMPT = defineQuery(
  "auth.take_signin_attempt",
  `INSERT INTO rate_limits (id, key, count, "lastRequest") VALUES ($1, $2, 1, $3)
   ON CONFLICT (key) DO UPDATE SET
     count = CASE WHEN rate_limits."lastRequest" <= $3 - $4 THEN 1 ELSE rate_limits.count + 1 END,
     "lastRequest" = CASE WHEN rate_limits."lastRequest" <= $3 - $4 THEN $3 ELSE rate_limits."lastRequest" END
   RETURNING count, "lastRequest"::float8 AS started`,
  z.object({ count: z.number().int(), started: z.number() }),
);

/** Counts one attempt under key at nowMs; the attempts in the window so far and when it started (ms). */
export const takeAttempt = (db: Queryable, a: { id: string; key: string; nowMs: number; windowMs: number }) => TAKE_ATTEMPT.one(db, [a.id, a.key, a.nowMs, a.windowMs]);

const CLEAR = defineCommand("auth.clear_signin_attempts", `DELETE FROM rate_limits WHERE key = $1`);

export const clearAttempts = (db: Queryable, key: string) => CLEAR.run(db, [key]);

/** The channel the sessions and users triggers (migration 20261201193000) announce "session:<id>" and "user:<id>" on. */
export const SESSION_CHANNEL = "runwatch_session_changed";

const LISTEN = defineCommand("auth.listen_sessions", `LISTEN ${SESSION_CHANNEL}`);

/** Subscribes this connection to the announcements of changed sessions and users. */
export const listenForSessionChanges = (db: Queryable) => LISTEN.run(db, []);
