-- Hand-written partial indexes for the monitor's sweep (a future db-diff will offer to drop them, delete those lines).
-- Failure-rate alerts resolved by hand that still hold their rule until the rate drops back.
CREATE INDEX "alerts_holds_rule_idx" ON "alerts" ("orgId", "workflowId") WHERE "holdsRule";
-- Storms still under way.
CREATE INDEX "alert_storms_open_idx" ON "alert_storms" ("orgId", "id") WHERE "resolvedAt" IS NULL;
