ALTER TABLE users DROP COLUMN member_groups;
