-- Issue 12: workflow schedules (missed-run alerts) and storm grouping as a per-channel setting.

-- AlterTable
ALTER TABLE "alert_channels" ADD COLUMN     "stormGrouping" BOOLEAN NOT NULL DEFAULT false;

-- Existing channels keep the contract's defaults: grouping on for Slack and email (people read
-- them), off for webhooks (machines read them, one message per execution).
UPDATE "alert_channels" SET "stormGrouping" = true WHERE "type" IN ('SLACK', 'EMAIL');

-- AlterTable
ALTER TABLE "workflows" ADD COLUMN     "schedule" JSONB,
ADD COLUMN     "scheduleSetAt" TIMESTAMPTZ(3),
ADD COLUMN     "missedCheckAt" TIMESTAMPTZ(3);

-- Hand-written partial index (a future db-diff will offer to drop it, delete that line): the
-- missed-run check reads only the scheduled workflows that are due to be checked.
CREATE INDEX "workflows_missed_check_idx" ON "workflows" ("missedCheckAt") WHERE "schedule" IS NOT NULL;
