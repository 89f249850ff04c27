DROP INDEX outbox_dead;
DROP TABLE scheduled_jobs;
DROP TABLE webhook_endpoints;
DROP TABLE outbox_deliveries;
ALTER TABLE outbox DROP COLUMN dead_at;
