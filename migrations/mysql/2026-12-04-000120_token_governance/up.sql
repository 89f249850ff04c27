-- Token governance (issue 13, "Tokens"). Expiration policies per organization and token kind
-- (personal, service_account): NULL period_days is the default of ten years; set_at is when the
-- policy was last set (existing tokens are re-dated to set_at + period, never later).
CREATE TABLE token_policies (
    org_id VARCHAR(36) NOT NULL,
    kind VARCHAR(16) NOT NULL,
    period_days INTEGER NULL,
    set_at DATETIME(6) NOT NULL,
    PRIMARY KEY (org_id, kind),
    CONSTRAINT token_policies_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Service accounts: organization-owned identities (no person, no seat) acting with a standard
-- role's permissions. created_by is informational: the account outlives its creator.
CREATE TABLE service_accounts (
    org_id VARCHAR(36) NOT NULL,
    id VARCHAR(36) NOT NULL,
    name VARCHAR(255) NOT NULL,
    role VARCHAR(36) NOT NULL,
    created_by VARCHAR(36) NULL,
    created_at DATETIME(6) NOT NULL,
    deleted_at DATETIME(6) NULL,
    PRIMARY KEY (id),
    KEY service_accounts_org (org_id),
    CONSTRAINT service_accounts_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Guest API restrictions: when on, guest-based roles may not use apps / personal access tokens.
ALTER TABLE org_settings ADD COLUMN restrict_guest_apps BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE org_settings ADD COLUMN restrict_guest_personal_access_tokens BOOLEAN NOT NULL DEFAULT FALSE;

-- The expiry sweep and the admin listing read tokens by organization, kind and expiry.
CREATE INDEX tokens_org_kind_expires ON tokens (org_id, kind, expires_at);
