-- A user's groups are no longer stored on the user row: they are read from group_members with
-- the groups' current names (db::users::users_page). The stored list was rewritten for every
-- member on each rename or delete of a group, and its encoding could be broken by a group name
-- (a NUL, which SQLite's length() stops at).
ALTER TABLE users DROP COLUMN member_groups;
