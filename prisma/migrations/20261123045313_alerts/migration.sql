-- CreateEnum
CREATE TYPE "AlertState" AS ENUM ('FIRING', 'ACKNOWLEDGED', 'RESOLVED');

-- CreateEnum
CREATE TYPE "NotificationState" AS ENUM ('PENDING', 'DELIVERED', 'GONE', 'FAILED');

-- CreateTable
CREATE TABLE "alerts" (
    "orgId" UUID NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "reason" TEXT NOT NULL,
    "workflowId" BIGINT NOT NULL,
    "executionId" TEXT,
    "state" "AlertState" NOT NULL DEFAULT 'FIRING',
    "since" TIMESTAMPTZ(3) NOT NULL,
    "firedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "executionStatus" "ExecutionStatus",
    "details" JSONB,
    "stormId" BIGINT,
    "acknowledgedAt" TIMESTAMPTZ(3),
    "acknowledgedBy" TEXT,
    "acknowledgedByLabel" TEXT,
    "resolvedAt" TIMESTAMPTZ(3),
    "resolvedBy" TEXT,
    "resolvedByLabel" TEXT,
    "resolution" TEXT,
    "holdsRule" BOOLEAN NOT NULL DEFAULT false,
    "timedOutAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alerts_pkey" PRIMARY KEY ("orgId","id")
);

-- CreateTable
CREATE TABLE "alert_events" (
    "orgId" UUID NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "alertId" BIGINT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "actorType" "ActorType" NOT NULL,
    "actorUserId" TEXT,
    "actorLabel" TEXT NOT NULL,
    "note" TEXT,

    CONSTRAINT "alert_events_pkey" PRIMARY KEY ("orgId","id")
);

-- CreateTable
CREATE TABLE "alert_storms" (
    "orgId" UUID NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "workflowId" BIGINT NOT NULL,
    "reason" TEXT NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastAlertAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "alertCount" INTEGER NOT NULL DEFAULT 0,
    "resolvedAt" TIMESTAMPTZ(3),

    CONSTRAINT "alert_storms_pkey" PRIMARY KEY ("orgId","id")
);

-- CreateTable
CREATE TABLE "notifications" (
    "orgId" UUID NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "channelId" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "alertIds" BIGINT[],
    "messageId" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "state" "NotificationState" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" TIMESTAMPTZ(3),
    "lastError" TEXT,

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("orgId","id")
);

-- CreateTable
CREATE TABLE "delivery_attempts" (
    "orgId" UUID NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "notificationId" BIGINT NOT NULL,
    "channelId" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "statusCode" INTEGER,
    "latencyMs" INTEGER NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "error" TEXT,

    CONSTRAINT "delivery_attempts_pkey" PRIMARY KEY ("orgId","id")
);

-- CreateTable
CREATE TABLE "org_alert_settings" (
    "orgId" UUID NOT NULL,
    "stormThreshold" INTEGER NOT NULL DEFAULT 10,
    "stormWindowSeconds" INTEGER NOT NULL DEFAULT 300,
    "failureRateEnabled" BOOLEAN NOT NULL DEFAULT true,
    "failureRatePercent" DOUBLE PRECISION NOT NULL DEFAULT 20,
    "failureRateMinExecutions" INTEGER NOT NULL DEFAULT 20,
    "failureRateWindowSeconds" INTEGER NOT NULL DEFAULT 900,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "org_alert_settings_pkey" PRIMARY KEY ("orgId")
);

-- CreateTable
CREATE TABLE "workflow_alert_settings" (
    "orgId" UUID NOT NULL,
    "workflowId" BIGINT NOT NULL,
    "autoTimeoutMultiple" DOUBLE PRECISION,
    "failureRateEnabled" BOOLEAN,
    "failureRatePercent" DOUBLE PRECISION,
    "failureRateMinExecutions" INTEGER,
    "failureRateWindowSeconds" INTEGER,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workflow_alert_settings_pkey" PRIMARY KEY ("orgId","workflowId")
);

-- CreateTable
CREATE TABLE "monitor_leases" (
    "name" TEXT NOT NULL,
    "token" BIGINT NOT NULL DEFAULT 0,
    "holder" TEXT NOT NULL,
    "acquiredAt" TIMESTAMPTZ(3) NOT NULL,
    "renewedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "monitor_leases_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "alerts_orgId_state_firedAt_id_idx" ON "alerts"("orgId", "state", "firedAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "alerts_orgId_firedAt_id_idx" ON "alerts"("orgId", "firedAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "alerts_orgId_executionId_idx" ON "alerts"("orgId", "executionId");

-- CreateIndex
CREATE INDEX "alerts_orgId_workflowId_firedAt_idx" ON "alerts"("orgId", "workflowId", "firedAt");

-- CreateIndex
CREATE INDEX "alert_events_orgId_alertId_id_idx" ON "alert_events"("orgId", "alertId", "id");

-- CreateIndex
CREATE INDEX "alert_storms_orgId_workflowId_lastAlertAt_idx" ON "alert_storms"("orgId", "workflowId", "lastAlertAt");

-- CreateIndex
CREATE INDEX "notifications_alertIds_idx" ON "notifications" USING GIN ("alertIds");

-- CreateIndex
CREATE INDEX "notifications_orgId_channelId_createdAt_idx" ON "notifications"("orgId", "channelId", "createdAt");

-- CreateIndex
CREATE INDEX "delivery_attempts_orgId_notificationId_id_idx" ON "delivery_attempts"("orgId", "notificationId", "id");

-- CreateIndex
CREATE INDEX "executions_completedAt_idx" ON "executions"("completedAt");

-- AddForeignKey
ALTER TABLE "org_alert_settings" ADD CONSTRAINT "org_alert_settings_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written - partial indexes the Prisma schema language cannot express. A future db -diff will
-- offer to drop them, delete those lines from the generated migration.

-- One open alert per execution and reason, however many monitors run.
CREATE UNIQUE INDEX "alerts_open_execution_key" ON "alerts" ("orgId", "executionId", "reason") WHERE "state" <> 'RESOLVED' AND "executionId" IS NOT NULL;
-- One open alert per workflow rule (failure rate).
CREATE UNIQUE INDEX "alerts_open_workflow_key" ON "alerts" ("orgId", "workflowId", "reason") WHERE "state" <> 'RESOLVED' AND "executionId" IS NULL;
-- One alert per stuck episode - an alert resolved by hand does not fire again while its execution
-- stays stuck since the same moment.
CREATE UNIQUE INDEX "alerts_episode_key" ON "alerts" ("orgId", "executionId", "reason", "since") WHERE "executionId" IS NOT NULL;
-- The sweep reads the open alerts of every organization.
CREATE INDEX "alerts_open_idx" ON "alerts" ("orgId", "id") WHERE "state" <> 'RESOLVED';
-- The delivery worker reads only notifications that are still due.
CREATE INDEX "notifications_due_idx" ON "notifications" ("nextAttemptAt") WHERE "state" = 'PENDING';
