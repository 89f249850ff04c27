DROP INDEX users_managed_by;
DROP TABLE role_mapping_rules;
ALTER TABLE idp_connections DROP COLUMN role_mapping;
