-- Foundation schema (MySQL/MariaDB). Every table is InnoDB with a random primary key and
-- utf8mb4_bin collation, so comparisons are byte-exact as on SQLite; case-insensitive keys are
-- stored as lower-cased copies under their own indexes. Times are DATETIME(6) so they round-trip
-- equal with SQLite. Foreign keys are declared at table level (MySQL ignores inline REFERENCES).

CREATE TABLE organizations (
    id VARCHAR(36) NOT NULL,
    name VARCHAR(255) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE org_domains (
    id VARCHAR(36) NOT NULL,
    org_id VARCHAR(36) NOT NULL,
    domain VARCHAR(255) NOT NULL,
    verified BOOLEAN NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY org_domains_domain (domain),
    KEY org_domains_org (org_id),
    CONSTRAINT org_domains_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE idp_connections (
    id VARCHAR(36) NOT NULL,
    org_id VARCHAR(36) NOT NULL,
    name VARCHAR(255) NOT NULL,
    dialect VARCHAR(16) NOT NULL,
    auth_mode VARCHAR(16) NOT NULL,
    jwt_issuer VARCHAR(1024) NULL,
    jwt_audience VARCHAR(1024) NULL,
    jwks_url VARCHAR(2048) NULL,
    jwt_static_key TEXT NULL,
    requests_per_minute INT NULL,
    disabled BOOLEAN NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    KEY idp_connections_org (org_id),
    CONSTRAINT idp_connections_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE users (
    id VARCHAR(36) NOT NULL,
    org_id VARCHAR(36) NOT NULL,
    user_name VARCHAR(255) NOT NULL,
    user_name_lower VARCHAR(255) NOT NULL,
    external_id VARCHAR(255) NULL,
    display_name VARCHAR(255) NULL,
    given_name VARCHAR(255) NULL,
    family_name VARCHAR(255) NULL,
    active BOOLEAN NOT NULL,
    -- The SCIM document as stored (without id, meta, groups and password).
    attributes LONGTEXT NOT NULL,
    -- Governance: the user's role, where it came from and their licence (roles issue).
    role VARCHAR(64) NOT NULL,
    role_source VARCHAR(32) NOT NULL,
    licence VARCHAR(32) NULL,
    is_external BOOLEAN NOT NULL,
    managed_by VARCHAR(36) NULL,
    version BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY users_org_user_name (org_id, user_name_lower),
    KEY users_org_external_id (org_id, external_id),
    KEY users_org_display_name (org_id, display_name),
    KEY users_org_given_name (org_id, given_name),
    KEY users_org_family_name (org_id, family_name),
    KEY users_org_created (org_id, created_at),
    KEY users_org_updated (org_id, updated_at),
    CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT users_managed_by_fk FOREIGN KEY (managed_by) REFERENCES idp_connections (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per email of a user, so `emails…` filters run on an index instead of the document.
CREATE TABLE user_emails (
    id VARCHAR(36) NOT NULL,
    org_id VARCHAR(36) NOT NULL,
    user_id VARCHAR(36) NOT NULL,
    value VARCHAR(255) NOT NULL,
    value_lower VARCHAR(255) NOT NULL,
    email_type VARCHAR(64) NULL,
    is_primary BOOLEAN NOT NULL,
    PRIMARY KEY (id),
    KEY user_emails_user (user_id),
    KEY user_emails_org_value (org_id, value_lower),
    CONSTRAINT user_emails_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE scim_groups (
    id VARCHAR(36) NOT NULL,
    org_id VARCHAR(36) NOT NULL,
    display_name VARCHAR(255) NOT NULL,
    display_name_lower VARCHAR(255) NOT NULL,
    external_id VARCHAR(255) NULL,
    attributes LONGTEXT NOT NULL,
    managed_by VARCHAR(36) NULL,
    version BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY scim_groups_org_display_name (org_id, display_name_lower),
    KEY scim_groups_org_external_id (org_id, external_id),
    KEY scim_groups_org_created (org_id, created_at),
    KEY scim_groups_org_updated (org_id, updated_at),
    CONSTRAINT scim_groups_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE,
    CONSTRAINT scim_groups_managed_by_fk FOREIGN KEY (managed_by) REFERENCES idp_connections (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Membership both ways: the primary key serves "members of a group", the second index serves
-- "groups of a member". A member is a user or a group; there is no foreign key on member_id.
CREATE TABLE group_members (
    group_id VARCHAR(36) NOT NULL,
    member_id VARCHAR(36) NOT NULL,
    org_id VARCHAR(36) NOT NULL,
    member_type VARCHAR(8) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (group_id, member_id),
    KEY group_members_member (member_id, group_id),
    CONSTRAINT group_members_group_fk FOREIGN KEY (group_id) REFERENCES scim_groups (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every secret gatehouse issues. The token carries `key_id` in clear for lookup; only a hash of
-- its secret part is stored.
CREATE TABLE tokens (
    id VARCHAR(36) NOT NULL,
    org_id VARCHAR(36) NOT NULL,
    kind VARCHAR(16) NOT NULL,
    key_id VARCHAR(32) NOT NULL,
    secret_hash VARCHAR(64) NOT NULL,
    subject_id VARCHAR(36) NOT NULL,
    name VARCHAR(255) NOT NULL,
    created_by VARCHAR(36) NULL,
    created_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NULL,
    last_used_at DATETIME(6) NULL,
    revoked_at DATETIME(6) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY tokens_key_id (key_id),
    KEY tokens_org_subject (org_id, subject_id),
    CONSTRAINT tokens_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE audit_events (
    id VARCHAR(36) NOT NULL,
    org_id VARCHAR(36) NOT NULL,
    occurred_at DATETIME(6) NOT NULL,
    actor_kind VARCHAR(16) NOT NULL,
    actor_id VARCHAR(36) NOT NULL,
    on_behalf_of VARCHAR(36) NULL,
    action VARCHAR(64) NOT NULL,
    target_kind VARCHAR(32) NOT NULL,
    target_id VARCHAR(36) NOT NULL,
    details LONGTEXT NOT NULL,
    request_id VARCHAR(64) NULL,
    PRIMARY KEY (id),
    KEY audit_events_org_time (org_id, occurred_at),
    KEY audit_events_org_target (org_id, target_id),
    CONSTRAINT audit_events_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Transactional outbox: written in the change's transaction, delivered by a worker.
CREATE TABLE outbox (
    id VARCHAR(36) NOT NULL,
    org_id VARCHAR(36) NOT NULL,
    topic VARCHAR(64) NOT NULL,
    payload LONGTEXT NOT NULL,
    idempotency_key VARCHAR(64) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    available_at DATETIME(6) NOT NULL,
    attempts INT NOT NULL,
    claimed_by VARCHAR(36) NULL,
    claim_version BIGINT NOT NULL,
    delivered_at DATETIME(6) NULL,
    last_error TEXT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY outbox_idempotency_key (idempotency_key),
    KEY outbox_pending (delivered_at, available_at),
    CONSTRAINT outbox_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
