ALTER TABLE users ADD COLUMN member_groups TEXT;

UPDATE users SET member_groups = (
    SELECT group_concat(g.id || ':' || length(g.display_name) || ':' || g.display_name, '')
    FROM group_members gm JOIN scim_groups g ON g.id = gm.group_id
    WHERE gm.member_id = users.id
);
