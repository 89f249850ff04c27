-- App actors (issue 14). Mirrors migrations/mysql: see the comments there.
CREATE TABLE app_actors (
    org_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    display_name TEXT NULL,
    description TEXT NULL,
    agent_type TEXT NULL,
    active BOOLEAN NOT NULL,
    owner_kind TEXT NULL,
    owner_id TEXT NULL,
    created_by TEXT NULL,
    created_via TEXT NOT NULL,
    connection_id TEXT NULL,
    external_id TEXT NULL,
    document TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX app_actors_org_name ON app_actors (org_id, name);
CREATE INDEX app_actors_org_created ON app_actors (org_id, created_at, id);

CREATE TABLE agentic_applications (
    org_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    external_id TEXT NULL,
    connection_id TEXT NULL,
    document TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX agentic_applications_org_name ON agentic_applications (org_id, name);
CREATE INDEX agentic_applications_org_created ON agentic_applications (org_id, created_at, id);
