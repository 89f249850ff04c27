-- App actors (issue 14): organization-owned, non-human identities for integrations, bots and
-- agents. Never users: no seat, no email, never listed or counted with people. An admin creates
-- one on the admin API, or an IdP provisions it over SCIM as an `Agent`; either way it is the
-- same row, with the same grants, tokens and audit attribution.
CREATE TABLE app_actors (
    org_id VARCHAR(36) NOT NULL,
    id VARCHAR(36) NOT NULL,
    -- Unique in the organization (the SCIM Agent's required `name`).
    name VARCHAR(255) NOT NULL,
    display_name VARCHAR(255) NULL,
    description TEXT NULL,
    -- Free text from the IdP or the admin, e.g. `bot`, `assistant`, `integration`.
    agent_type VARCHAR(64) NULL,
    active BOOLEAN NOT NULL,
    -- Accountability only, never a source of permissions: `user` or `team` (a SCIM group).
    owner_kind VARCHAR(16) NULL,
    owner_id VARCHAR(36) NULL,
    -- Who created it: a user id, a service account id or an IdP connection id.
    created_by VARCHAR(64) NULL,
    -- `admin` (the admin API) or `scim` (an IdP connection; then connection_id names it).
    created_via VARCHAR(16) NOT NULL,
    connection_id VARCHAR(36) NULL,
    external_id VARCHAR(255) NULL,
    -- The SCIM attributes gatehouse keeps but doesn't interpret (subject, applications,
    -- protocols, ...), as a JSON object; names and URNs live in one definition in the code.
    document TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY app_actors_org_name (org_id, name),
    KEY app_actors_org_created (org_id, created_at, id),
    CONSTRAINT app_actors_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The applications agents belong to (SCIM `AgenticApplication`): kept as provisioned.
CREATE TABLE agentic_applications (
    org_id VARCHAR(36) NOT NULL,
    id VARCHAR(36) NOT NULL,
    name VARCHAR(255) NOT NULL,
    external_id VARCHAR(255) NULL,
    connection_id VARCHAR(36) NULL,
    document TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY agentic_applications_org_name (org_id, name),
    KEY agentic_applications_org_created (org_id, created_at, id),
    CONSTRAINT agentic_applications_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
