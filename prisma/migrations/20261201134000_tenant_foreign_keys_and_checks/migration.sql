-- Issue 14: the tenant tables that had no foreign key get one, so deleting an organization is
-- one DELETE that cascades (server/settings/org.ts) instead of a walk over information_schema,
-- and the alerting strings get CHECK constraints listing the values the code writes.
-- (No semicolons in comments: the schema engine splits scripts on them.)

-- Rows whose organization, workflow, alert or notification is already gone cannot be read by
-- any tenant: without this a single such row would fail the migration.
DELETE FROM "execution_events" x WHERE NOT EXISTS (SELECT 1 FROM "organizations" o WHERE o."id" = x."orgId");
DELETE FROM "execution_heartbeats" x WHERE NOT EXISTS (SELECT 1 FROM "organizations" o WHERE o."id" = x."orgId");
DELETE FROM "deferred_events" x WHERE NOT EXISTS (SELECT 1 FROM "organizations" o WHERE o."id" = x."orgId");
DELETE FROM "processed_events" x WHERE NOT EXISTS (SELECT 1 FROM "organizations" o WHERE o."id" = x."orgId");
DELETE FROM "execution_hourly" x WHERE NOT EXISTS (SELECT 1 FROM "workflows" w WHERE w."orgId" = x."orgId" AND w."id" = x."workflowId");
DELETE FROM "workflow_alert_settings" x WHERE NOT EXISTS (SELECT 1 FROM "workflows" w WHERE w."orgId" = x."orgId" AND w."id" = x."workflowId");
DELETE FROM "alert_storms" x WHERE NOT EXISTS (SELECT 1 FROM "workflows" w WHERE w."orgId" = x."orgId" AND w."id" = x."workflowId");
DELETE FROM "alerts" x WHERE NOT EXISTS (SELECT 1 FROM "workflows" w WHERE w."orgId" = x."orgId" AND w."id" = x."workflowId");
DELETE FROM "alert_events" x WHERE NOT EXISTS (SELECT 1 FROM "alerts" a WHERE a."orgId" = x."orgId" AND a."id" = x."alertId");
DELETE FROM "notifications" x WHERE NOT EXISTS (SELECT 1 FROM "organizations" o WHERE o."id" = x."orgId");
DELETE FROM "delivery_attempts" x WHERE NOT EXISTS (SELECT 1 FROM "notifications" n WHERE n."orgId" = x."orgId" AND n."id" = x."notificationId");

-- Every tenant table cascades from its organization. audit_logs alone has no foreign key: an
-- organization's audit log outlives it, so its deletion stays on record.
-- execution_events is partitioned: PostgreSQL clones the key onto every partition, including
-- the monthly ones ensureEventPartitions() attaches later (ATTACH checks the moved rows). A key
-- pointing at the timeline is impossible (its unique keys include "receivedAt"), and the
-- timeline keeps no key to executions: the timeline is written on ingestion's hot path, where
-- the organization check is one probe of a small, cached table.
ALTER TABLE "execution_events" ADD CONSTRAINT "execution_events_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "execution_heartbeats" ADD CONSTRAINT "execution_heartbeats_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "deferred_events" ADD CONSTRAINT "deferred_events_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "processed_events" ADD CONSTRAINT "processed_events_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- What belongs to a workflow goes with it (and so with its organization).
-- Notifications keep no key to their channel: deleting a channel leaves its notifications for
-- the worker to mark GONE (server/channels/service.ts).
ALTER TABLE "execution_hourly" ADD CONSTRAINT "execution_hourly_orgId_workflowId_fkey" FOREIGN KEY ("orgId", "workflowId") REFERENCES "workflows"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "workflow_alert_settings" ADD CONSTRAINT "workflow_alert_settings_orgId_workflowId_fkey" FOREIGN KEY ("orgId", "workflowId") REFERENCES "workflows"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_storms" ADD CONSTRAINT "alert_storms_orgId_workflowId_fkey" FOREIGN KEY ("orgId", "workflowId") REFERENCES "workflows"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_orgId_workflowId_fkey" FOREIGN KEY ("orgId", "workflowId") REFERENCES "workflows"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_events" ADD CONSTRAINT "alert_events_orgId_alertId_fkey" FOREIGN KEY ("orgId", "alertId") REFERENCES "alerts"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "delivery_attempts" ADD CONSTRAINT "delivery_attempts_orgId_notificationId_fkey" FOREIGN KEY ("orgId", "notificationId") REFERENCES "notifications"("orgId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written CHECK constraints (Prisma's schema language has none, db:diff leaves them be).
-- Text rather than enums: raw SQL passes these values as text parameters, which an enum column
-- would refuse without a cast. The lists are ALERT_REASONS, RESOLUTIONS, ALERT_EVENT_KINDS and
-- NOTIFICATION_TYPES in the code, and tests/integration/schema-upgrade.itest.ts keeps them equal.
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_reason_check" CHECK ("reason" IN ('scheduled', 'running', 'failure_rate', 'missed'));
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_resolution_check" CHECK ("resolution" IN ('moved_on', 'ended', 'gone', 'timed_out', 'manual', 'rate_recovered', 'rule_disabled', 'ran', 'schedule_changed', 'schedule_removed'));
ALTER TABLE "alert_storms" ADD CONSTRAINT "alert_storms_reason_check" CHECK ("reason" IN ('scheduled', 'running', 'failure_rate', 'missed'));
ALTER TABLE "alert_events" ADD CONSTRAINT "alert_events_kind_check" CHECK ("kind" IN ('fired', 'acknowledged', 'resolved', 'timed_out'));
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_type_check" CHECK ("type" IN ('alert.firing', 'alert.resolved', 'alert.storm', 'alert.storm.resolved', 'test'));
