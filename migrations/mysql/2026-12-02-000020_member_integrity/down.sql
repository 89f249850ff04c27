ALTER TABLE users ADD COLUMN member_groups MEDIUMTEXT NULL;

UPDATE users SET member_groups = (
    SELECT GROUP_CONCAT(g.id, ':', CHAR_LENGTH(g.display_name), ':', g.display_name SEPARATOR '')
    FROM group_members gm JOIN scim_groups g ON g.id = gm.group_id
    WHERE gm.member_id = users.id
);
