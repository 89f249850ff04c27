-- Connected apps (issue 13): the registry per organization, per-user per-day usage counts, the
-- organization's app settings, approval requests, per-guest blocks and CSV exports.
CREATE TABLE apps (
    org_id VARCHAR(36) NOT NULL,
    id VARCHAR(36) NOT NULL,
    -- The host application's own identifier, the same in every organization that registers it:
    -- what a block in one organization of a person applies to in their others.
    client_id VARCHAR(255) NOT NULL,
    name VARCHAR(255) NOT NULL,
    description TEXT NOT NULL,
    developer VARCHAR(255) NOT NULL,
    support_url VARCHAR(1024) NULL,
    privacy_url VARCHAR(1024) NULL,
    -- JSON array of the permissions the app asks for.
    permissions TEXT NOT NULL,
    blocked BOOLEAN NOT NULL,
    approved BOOLEAN NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY apps_org_client (org_id, client_id),
    KEY apps_client_blocked (client_id, blocked),
    CONSTRAINT apps_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per (org, app, user, day): a report upserts its own user's day, so concurrent calls
-- for different users never share a row lock.
CREATE TABLE app_usage_days (
    org_id VARCHAR(36) NOT NULL,
    app_id VARCHAR(36) NOT NULL,
    user_id VARCHAR(36) NOT NULL,
    day DATE NOT NULL,
    uses BIGINT NOT NULL,
    last_used_at DATETIME(6) NOT NULL,
    PRIMARY KEY (org_id, app_id, user_id, day),
    KEY app_usage_user (user_id, app_id),
    CONSTRAINT app_usage_app_fk FOREIGN KEY (app_id) REFERENCES apps (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE app_settings (
    org_id VARCHAR(36) NOT NULL,
    -- allow_all (a block list) or require_approval (an allow list).
    app_mode VARCHAR(32) NOT NULL,
    external_automation BOOLEAN NOT NULL,
    -- JSON array of user ids; NULL: every super admin.
    approval_recipients TEXT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (org_id),
    CONSTRAINT app_settings_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE app_approval_requests (
    org_id VARCHAR(36) NOT NULL,
    id VARCHAR(36) NOT NULL,
    app_id VARCHAR(36) NOT NULL,
    requester_id VARCHAR(36) NOT NULL,
    -- pending, approved or denied.
    status VARCHAR(16) NOT NULL,
    reason TEXT NULL,
    created_at DATETIME(6) NOT NULL,
    decided_at DATETIME(6) NULL,
    decided_by VARCHAR(36) NULL,
    PRIMARY KEY (id),
    -- Repeated requests by one user for one app are one request.
    UNIQUE KEY app_requests_one (org_id, app_id, requester_id),
    KEY app_requests_status (org_id, status, created_at),
    CONSTRAINT app_requests_app_fk FOREIGN KEY (app_id) REFERENCES apps (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A guest who joined a require-approval organization while using an unapproved app.
CREATE TABLE app_user_blocks (
    org_id VARCHAR(36) NOT NULL,
    app_id VARCHAR(36) NOT NULL,
    user_id VARCHAR(36) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (org_id, app_id, user_id),
    CONSTRAINT app_user_blocks_app_fk FOREIGN KEY (app_id) REFERENCES apps (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The 90-day export, kept as CSV text in the table (no shared file system between instances).
CREATE TABLE app_exports (
    org_id VARCHAR(36) NOT NULL,
    id VARCHAR(36) NOT NULL,
    requested_by VARCHAR(36) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    row_count BIGINT NOT NULL,
    csv LONGTEXT NOT NULL,
    PRIMARY KEY (id),
    KEY app_exports_org (org_id, created_at),
    CONSTRAINT app_exports_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
