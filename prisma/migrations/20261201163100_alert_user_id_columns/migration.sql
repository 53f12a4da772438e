-- Who acknowledged or resolved an alert is a user id (or an API key id): name the columns like
-- every other such column (api_keys.createdByUserId, alert_events.actorUserId). A rename keeps
-- the data and the indexes. The JSON field names of the API answers do not change.
ALTER TABLE "alerts" RENAME COLUMN "acknowledgedBy" TO "acknowledgedByUserId";

ALTER TABLE "alerts" RENAME COLUMN "resolvedBy" TO "resolvedByUserId";
