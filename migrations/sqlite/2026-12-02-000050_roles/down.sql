DROP INDEX users_org_role;
DROP TABLE org_settings;
DROP TABLE roles;
