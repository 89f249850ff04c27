-- Role mapping from the IdP (issue 12). A connection with role_mapping on is the source of truth
-- for the roles of the users it manages: its ordered rules (SCIM filters over the user as stored,
-- first match wins) are evaluated in every transaction that changes such a user or a group they
-- are in. The index on (org_id, role_id) answers "which mappings use this role" when a custom
-- role is deleted.
ALTER TABLE idp_connections ADD COLUMN role_mapping BOOLEAN NOT NULL DEFAULT FALSE;

-- `idp:{connection id}` names the connection that decides a user's role: 40 characters.
ALTER TABLE users MODIFY role_source VARCHAR(64) NOT NULL;

CREATE TABLE role_mapping_rules (
    org_id VARCHAR(36) NOT NULL,
    connection_id VARCHAR(36) NOT NULL,
    position INTEGER NOT NULL,
    filter TEXT NOT NULL,
    role_id VARCHAR(36) NOT NULL,
    PRIMARY KEY (connection_id, position),
    KEY role_mapping_rules_role (org_id, role_id),
    CONSTRAINT role_mapping_rules_connection_fk FOREIGN KEY (connection_id)
        REFERENCES idp_connections (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
