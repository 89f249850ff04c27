-- Connected apps (issue 13). Mirrors migrations/mysql: see the comments there.
CREATE TABLE apps (
    org_id TEXT NOT NULL,
    id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    developer TEXT NOT NULL,
    support_url TEXT NULL,
    privacy_url TEXT NULL,
    permissions TEXT NOT NULL,
    blocked BOOLEAN NOT NULL,
    approved BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX apps_org_client ON apps (org_id, client_id);
CREATE INDEX apps_client_blocked ON apps (client_id, blocked);

CREATE TABLE app_usage_days (
    org_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    day DATE NOT NULL,
    uses BIGINT NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, app_id, user_id, day),
    FOREIGN KEY (app_id) REFERENCES apps (id) ON DELETE CASCADE
);
CREATE INDEX app_usage_user ON app_usage_days (user_id, app_id);

CREATE TABLE app_settings (
    org_id TEXT NOT NULL,
    app_mode TEXT NOT NULL,
    external_automation BOOLEAN NOT NULL,
    approval_recipients TEXT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE TABLE app_approval_requests (
    org_id TEXT NOT NULL,
    id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    requester_id TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NULL,
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP NULL,
    decided_by TEXT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (app_id) REFERENCES apps (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX app_requests_one ON app_approval_requests (org_id, app_id, requester_id);
CREATE INDEX app_requests_status ON app_approval_requests (org_id, status, created_at);

CREATE TABLE app_user_blocks (
    org_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, app_id, user_id),
    FOREIGN KEY (app_id) REFERENCES apps (id) ON DELETE CASCADE
);

CREATE TABLE app_exports (
    org_id TEXT NOT NULL,
    id TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    row_count BIGINT NOT NULL,
    csv TEXT NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE INDEX app_exports_org ON app_exports (org_id, created_at);
