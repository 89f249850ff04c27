-- Invites (issue 12, "Joining the organization"). An invite names an address and who invited
-- it; the role the invitee gets is resolved when the invite is accepted (governance::roles::
-- invites): the role an admin who may assign roles chose (role_id), else the inviting role's
-- own invite default for the invitee's type, else the org default for that type.
CREATE TABLE invites (
    org_id VARCHAR(36) NOT NULL,
    id VARCHAR(36) NOT NULL,
    email VARCHAR(255) NOT NULL,
    email_lower VARCHAR(255) NOT NULL,
    -- Chosen by an admin who may assign roles; NULL: resolved from the defaults at accept.
    role_id VARCHAR(36) NULL,
    invited_by VARCHAR(36) NOT NULL,
    -- The inviter's role when they invited: its invite default applies, whatever the inviter
    -- holds later.
    inviter_role_id VARCHAR(36) NOT NULL,
    -- pending, accepted or revoked.
    status VARCHAR(16) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    accepted_at DATETIME(6) NULL,
    accepted_user_id VARCHAR(36) NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (id),
    -- The pending invites of one address, oldest first (the first invite's role wins).
    KEY invites_org_email_status (org_id, email_lower, status),
    -- The admin listing: one status, oldest first.
    KEY invites_org_status_created (org_id, status, created_at),
    CONSTRAINT invites_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A role's own invite defaults (002 "there are role-level defaults that set the role for new
-- users invited by users with that role"), one per user type like the org's role defaults.
-- NULL: the org default for the type applies.
ALTER TABLE roles ADD COLUMN invite_default_internal_role VARCHAR(36) NULL;
ALTER TABLE roles ADD COLUMN invite_default_external_role VARCHAR(36) NULL;
