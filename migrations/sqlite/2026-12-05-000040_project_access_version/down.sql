DROP INDEX project_memberships_org_team;
ALTER TABLE organizations DROP COLUMN project_access_version;
