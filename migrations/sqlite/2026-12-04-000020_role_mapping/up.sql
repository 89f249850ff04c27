-- Role mapping from the IdP (issue 12). Mirrors migrations/mysql: see the comments there.
ALTER TABLE idp_connections ADD COLUMN role_mapping BOOLEAN NOT NULL DEFAULT 0;

CREATE TABLE role_mapping_rules (
    org_id TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    filter TEXT NOT NULL,
    role_id TEXT NOT NULL,
    PRIMARY KEY (connection_id, position),
    FOREIGN KEY (connection_id) REFERENCES idp_connections (id) ON DELETE CASCADE
);
CREATE INDEX role_mapping_rules_role ON role_mapping_rules (org_id, role_id);
-- Preview and apply read a connection's users in id order (MariaDB's foreign-key index on
-- managed_by already ends in the primary key).
CREATE INDEX users_managed_by ON users (managed_by, id);
