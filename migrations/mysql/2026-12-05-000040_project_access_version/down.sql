DROP INDEX project_memberships_org_team ON project_memberships;
ALTER TABLE organizations DROP COLUMN project_access_version;
