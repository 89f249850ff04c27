-- Token governance (issue 13). Mirrors migrations/mysql: see the comments there.
CREATE TABLE token_policies (
    org_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    period_days INTEGER NULL,
    set_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, kind),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);

CREATE TABLE service_accounts (
    org_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    created_by TEXT NULL,
    created_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE INDEX service_accounts_org ON service_accounts (org_id);

ALTER TABLE org_settings ADD COLUMN restrict_guest_apps BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE org_settings ADD COLUMN restrict_guest_personal_access_tokens BOOLEAN NOT NULL DEFAULT FALSE;

CREATE INDEX tokens_org_kind_expires ON tokens (org_id, kind, expires_at);
