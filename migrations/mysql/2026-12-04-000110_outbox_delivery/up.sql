-- Delivery of the outbox (issue 13): dead letters, per-target success, webhook endpoints and
-- periodic jobs claimed with a compare-and-swap.
ALTER TABLE outbox ADD COLUMN dead_at DATETIME(6) NULL, ADD KEY outbox_dead (org_id, dead_at);

-- One row per (notification, target) that accepted it, so a retry skips the targets that
-- already have it (a webhook endpoint `webhook:{id}`, a recipient's mailbox `email:{user}`).
CREATE TABLE outbox_deliveries (
    outbox_id VARCHAR(36) NOT NULL,
    target VARCHAR(120) NOT NULL,
    delivered_at DATETIME(6) NOT NULL,
    PRIMARY KEY (outbox_id, target),
    CONSTRAINT outbox_deliveries_outbox_fk FOREIGN KEY (outbox_id) REFERENCES outbox (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE webhook_endpoints (
    id VARCHAR(36) NOT NULL,
    org_id VARCHAR(36) NOT NULL,
    url TEXT NOT NULL,
    secret VARCHAR(100) NOT NULL,
    previous_secret VARCHAR(100) NULL,
    previous_valid_until DATETIME(6) NULL,
    disabled_at DATETIME(6) NULL,
    disabled_reason TEXT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    KEY webhook_endpoints_org (org_id),
    CONSTRAINT webhook_endpoints_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE scheduled_jobs (
    name VARCHAR(100) NOT NULL,
    claim_version BIGINT NOT NULL,
    next_run_at DATETIME(6) NOT NULL,
    claimed_by VARCHAR(36) NULL,
    PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
