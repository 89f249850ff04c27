DROP TABLE role_mapping_rules;
ALTER TABLE idp_connections DROP COLUMN role_mapping;
ALTER TABLE users MODIFY role_source VARCHAR(32) NOT NULL;
