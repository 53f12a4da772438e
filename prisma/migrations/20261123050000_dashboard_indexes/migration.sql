-- Hand-written (the Prisma schema language cannot express operator classes or jsonb_path_ops);
-- a future db:diff will offer to drop these: delete those lines from the generated migration.
-- Executions list: search by execution id prefix (LIKE 'abc%' needs text_pattern_ops unless the
-- database collation is "C"), and metadata key=value filters (jsonb containment, @>).
CREATE INDEX "executions_orgId_executionId_pattern_idx" ON "executions" ("orgId", "executionId" text_pattern_ops);
CREATE INDEX "executions_metadata_idx" ON "executions" USING gin ("metadata" jsonb_path_ops);
