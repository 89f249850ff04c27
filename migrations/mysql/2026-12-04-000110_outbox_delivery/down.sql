DROP TABLE scheduled_jobs;
DROP TABLE webhook_endpoints;
DROP TABLE outbox_deliveries;
ALTER TABLE outbox DROP KEY outbox_dead, DROP COLUMN dead_at;
