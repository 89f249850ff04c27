-- Invites (issue 12). Mirrors migrations/mysql: see the comments there.
CREATE TABLE invites (
    org_id TEXT NOT NULL,
    id TEXT NOT NULL,
    email TEXT NOT NULL,
    email_lower TEXT NOT NULL,
    role_id TEXT NULL,
    invited_by TEXT NOT NULL,
    inviter_role_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP NULL,
    accepted_user_id TEXT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE INDEX invites_org_email_status ON invites (org_id, email_lower, status);
CREATE INDEX invites_org_status_created ON invites (org_id, status, created_at);

ALTER TABLE roles ADD COLUMN invite_default_internal_role TEXT NULL;
ALTER TABLE roles ADD COLUMN invite_default_external_role TEXT NULL;
