-- Projects and their memberships (issue 14). A project is whatever the host application calls
-- one; its members are users or teams (SCIM groups), each with one access level.
CREATE TABLE projects (
    org_id VARCHAR(36) NOT NULL,
    id VARCHAR(36) NOT NULL,
    name VARCHAR(255) NOT NULL,
    -- For accountability and display; cleared when the user is deleted.
    owner_id VARCHAR(36) NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    KEY projects_org (org_id, id),
    KEY projects_owner (owner_id),
    CONSTRAINT projects_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per (project, member): a user (`user_id`) or a team, a SCIM group (`team_id`), never
-- both. A team's row is never expanded into rows per user: a user's effective level is read
-- through group_members (its primary key (group_id, member_id) and group_members_member
-- (member_id, group_id)), so it costs the same for a team of 10 or of 100,000, and a SCIM
-- membership change rewrites nothing here. The foreign keys remove a membership with its member
-- and refuse one for a member deleted meanwhile (a race no read could close without a lock).
CREATE TABLE project_memberships (
    org_id VARCHAR(36) NOT NULL,
    id VARCHAR(36) NOT NULL,
    project_id VARCHAR(36) NOT NULL,
    user_id VARCHAR(36) NULL,
    team_id VARCHAR(36) NULL,
    -- `admin`, `editor`, `commenter` or `viewer`.
    access_level VARCHAR(16) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY project_memberships_user (project_id, user_id),
    UNIQUE KEY project_memberships_team (project_id, team_id),
    KEY project_memberships_by_project (project_id, id),
    KEY project_memberships_by_user (user_id, id),
    KEY project_memberships_by_team (team_id, id),
    KEY project_memberships_org (org_id, id),
    CONSTRAINT project_memberships_one_member CHECK ((user_id IS NULL) <> (team_id IS NULL)),
    CONSTRAINT project_memberships_project_fk FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT project_memberships_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT project_memberships_team_fk FOREIGN KEY (team_id) REFERENCES scim_groups (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
