-- Projects and their memberships (issue 14). Mirrors migrations/mysql: see the comments there.
CREATE TABLE projects (
    org_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    owner_id TEXT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
);
CREATE INDEX projects_org ON projects (org_id, id);
CREATE INDEX projects_owner ON projects (owner_id);

CREATE TABLE project_memberships (
    org_id TEXT NOT NULL,
    id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    user_id TEXT NULL,
    team_id TEXT NULL,
    access_level TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (id),
    CHECK ((user_id IS NULL) <> (team_id IS NULL)),
    FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    FOREIGN KEY (team_id) REFERENCES scim_groups (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX project_memberships_user ON project_memberships (project_id, user_id);
CREATE UNIQUE INDEX project_memberships_team ON project_memberships (project_id, team_id);
CREATE INDEX project_memberships_by_project ON project_memberships (project_id, id);
CREATE INDEX project_memberships_by_user ON project_memberships (user_id, id);
CREATE INDEX project_memberships_by_team ON project_memberships (team_id, id);
CREATE INDEX project_memberships_org ON project_memberships (org_id, id);
