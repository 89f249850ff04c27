-- Foundation schema (SQLite). Mirrors migrations/mysql: same tables, columns and indexes.
-- Comparisons are byte-exact (the MySQL side uses utf8mb4_bin, and every connection sets
-- case_sensitive_like); case-insensitive keys are stored as lower-cased copies under their own
-- indexes.

CREATE TABLE organizations (
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE org_domains (
    id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    domain TEXT NOT NULL,
    verified BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE TABLE idp_connections (
    id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    name TEXT NOT NULL,
    dialect TEXT NOT NULL,
    auth_mode TEXT NOT NULL,
    jwt_issuer TEXT NULL,
    jwt_audience TEXT NULL,
    jwks_url TEXT NULL,
    jwt_static_key TEXT NULL,
    requests_per_minute INT NULL,
    disabled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE TABLE users (
    id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    user_name_lower TEXT NOT NULL,
    external_id TEXT NULL,
    display_name TEXT NULL,
    given_name TEXT NULL,
    family_name TEXT NULL,
    active BOOLEAN NOT NULL,
    -- The SCIM document as stored (without id, meta, groups and password).
    attributes TEXT NOT NULL,
    -- Governance: the user's role, where it came from and their licence (roles issue).
    role TEXT NOT NULL,
    role_source TEXT NOT NULL,
    licence TEXT NULL,
    is_external BOOLEAN NOT NULL,
    managed_by TEXT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE,
    FOREIGN KEY (managed_by) REFERENCES idp_connections (id) ON DELETE SET NULL
);

-- One row per email of a user, so `emails…` filters run on an index instead of the document.
CREATE TABLE user_emails (
    id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    value TEXT NOT NULL,
    value_lower TEXT NOT NULL,
    email_type TEXT NULL,
    is_primary BOOLEAN NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE scim_groups (
    id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    display_name_lower TEXT NOT NULL,
    external_id TEXT NULL,
    attributes TEXT NOT NULL,
    managed_by TEXT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE,
    FOREIGN KEY (managed_by) REFERENCES idp_connections (id) ON DELETE SET NULL
);

-- Membership both ways: the primary key serves "members of a group", the second index serves
-- "groups of a member". A member is a user or a group; there is no foreign key on member_id.
CREATE TABLE group_members (
    group_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    member_type TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (group_id, member_id),
    FOREIGN KEY (group_id) REFERENCES scim_groups (id) ON DELETE CASCADE
);

-- Every secret gatehouse issues. The token carries `key_id` in clear for lookup; only a hash of
-- its secret part is stored.
CREATE TABLE tokens (
    id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    key_id TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by TEXT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NULL,
    last_used_at TIMESTAMP NULL,
    revoked_at TIMESTAMP NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE TABLE audit_events (
    id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    on_behalf_of TEXT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    details TEXT NOT NULL,
    request_id TEXT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);

-- Transactional outbox: written in the change's transaction, delivered by a worker.
CREATE TABLE outbox (
    id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    available_at TIMESTAMP NOT NULL,
    attempts INT NOT NULL,
    claimed_by TEXT NULL,
    claim_version BIGINT NOT NULL,
    delivered_at TIMESTAMP NULL,
    last_error TEXT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX org_domains_domain ON org_domains (domain);
CREATE INDEX org_domains_org ON org_domains (org_id);
CREATE INDEX idp_connections_org ON idp_connections (org_id);
CREATE UNIQUE INDEX users_org_user_name ON users (org_id, user_name_lower);
CREATE INDEX users_org_external_id ON users (org_id, external_id);
CREATE INDEX users_org_display_name ON users (org_id, display_name);
CREATE INDEX users_org_given_name ON users (org_id, given_name);
CREATE INDEX users_org_family_name ON users (org_id, family_name);
CREATE INDEX users_org_created ON users (org_id, created_at);
CREATE INDEX users_org_updated ON users (org_id, updated_at);
CREATE INDEX user_emails_user ON user_emails (user_id);
CREATE INDEX user_emails_org_value ON user_emails (org_id, value_lower);
CREATE UNIQUE INDEX scim_groups_org_display_name ON scim_groups (org_id, display_name_lower);
CREATE INDEX scim_groups_org_external_id ON scim_groups (org_id, external_id);
CREATE INDEX scim_groups_org_created ON scim_groups (org_id, created_at);
CREATE INDEX scim_groups_org_updated ON scim_groups (org_id, updated_at);
CREATE INDEX group_members_member ON group_members (member_id, group_id);
CREATE UNIQUE INDEX tokens_key_id ON tokens (key_id);
CREATE INDEX tokens_org_subject ON tokens (org_id, subject_id);
CREATE INDEX audit_events_org_time ON audit_events (org_id, occurred_at);
CREATE INDEX audit_events_org_target ON audit_events (org_id, target_id);
CREATE UNIQUE INDEX outbox_idempotency_key ON outbox (idempotency_key);
CREATE INDEX outbox_pending ON outbox (delivered_at, available_at);
