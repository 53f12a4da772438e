-- bulk_jobs.createdBy held the actor's label (a user's email, or "cli", an API key's name) in a
-- column the rest of the schema would name after a user id. It becomes createdByUserId like
-- api_keys and saved_views: the starting user's id, NULL for a job an API key or Runwatch itself
-- started. Nothing reads the old text: the audit entry of the job and its resume state keep the
-- actor with its label.
ALTER TABLE bulk_jobs RENAME COLUMN "createdBy" TO "createdByUserId";
ALTER TABLE bulk_jobs ALTER COLUMN "createdByUserId" DROP NOT NULL;
-- rows written before: the email of a user who still exists becomes that user's id
UPDATE bulk_jobs b SET "createdByUserId" = u.id FROM users u WHERE u.email = b."createdByUserId";
UPDATE bulk_jobs b SET "createdByUserId" = NULL WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = b."createdByUserId");
