-- Delivery of the outbox (issue 13): dead letters, per-target success, webhook endpoints and
-- periodic jobs claimed with a compare-and-swap.
ALTER TABLE outbox ADD COLUMN dead_at TIMESTAMP NULL;

-- One row per (notification, target) that accepted it, so a retry skips the targets that
-- already have it (a webhook endpoint `webhook:{id}`, a recipient's mailbox `email:{user}`).
CREATE TABLE outbox_deliveries (
    outbox_id TEXT NOT NULL,
    target TEXT NOT NULL,
    delivered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (outbox_id, target),
    FOREIGN KEY (outbox_id) REFERENCES outbox (id) ON DELETE CASCADE
);

CREATE TABLE webhook_endpoints (
    id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT NULL,
    previous_valid_until TIMESTAMP NULL,
    disabled_at TIMESTAMP NULL,
    disabled_reason TEXT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE TABLE scheduled_jobs (
    name TEXT NOT NULL,
    claim_version BIGINT NOT NULL,
    next_run_at TIMESTAMP NOT NULL,
    claimed_by TEXT NULL,
    PRIMARY KEY (name)
);

CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id);
CREATE INDEX outbox_dead ON outbox (org_id, dead_at);
