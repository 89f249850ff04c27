DROP INDEX users_org_role ON users;
DROP TABLE org_settings;
DROP TABLE roles;
