ALTER TABLE roles DROP COLUMN invite_default_external_role;
ALTER TABLE roles DROP COLUMN invite_default_internal_role;
DROP TABLE invites;
