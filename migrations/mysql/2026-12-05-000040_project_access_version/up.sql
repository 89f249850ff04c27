-- Cached effective levels (issue 14): every write to project_memberships bumps the
-- organization's membership version in its transaction; with the versions of the SCIM groups
-- that are teams (read on project_memberships_org_team), an instance tells in one cheap check
-- whether what it holds in memory moved.
ALTER TABLE organizations ADD COLUMN project_access_version BIGINT NOT NULL DEFAULT 0;
CREATE INDEX project_memberships_org_team ON project_memberships (org_id, team_id);
